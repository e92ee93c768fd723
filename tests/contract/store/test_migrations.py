"""Migrations build the schema on both dialects, and the ORM tables match them exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from basalt.store.engine import make_engine
from basalt.store.migrate import HEAD, current_revision, head_revision, upgrade
from basalt.store.tables import Base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("pg_empty_url")


def test_upgrade_from_empty_reaches_head_and_matches_the_models(empty_url):
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) is True
        assert current_revision(engine) == head_revision()
        assert upgrade(engine) is False  # idempotent
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_head_constant_matches_the_newest_script():
    assert head_revision() == HEAD


def test_unreachable_store_is_unavailable_without_password():
    from basalt.errors import UnavailableError

    engine = make_engine("postgresql+psycopg://someone:s3cret@127.0.0.1:1/nothing")
    try:
        with pytest.raises(UnavailableError, match="Cannot open the metadata store") as info:
            upgrade(engine)
        assert "s3cret" not in info.value.message
    finally:
        engine.dispose()
