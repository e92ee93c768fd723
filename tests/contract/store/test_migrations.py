"""Migrations build the schema on both dialects, and the ORM tables match them exactly."""

from __future__ import annotations

import json

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


def test_0004_gives_every_existing_workspace_a_local_compute(empty_url):
    from alembic import command
    from sqlalchemy import text

    from basalt.store.migrate import _config

    engine = make_engine(empty_url)
    try:
        cfg = _config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
            for name in ("alpha", "beta"):
                conn.execute(
                    text(
                        "INSERT INTO workspaces (name, description, created_at) VALUES (:n, '', :t)"
                    ),
                    {"n": name, "t": "2026-01-01 00:00:00"},
                )
        assert upgrade(engine) is True
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT w.name, c.name, c.type, c.config FROM computes c "
                    "JOIN workspaces w ON w.id = c.workspace_id ORDER BY w.name"
                )
            ).all()
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("alpha", "local", "local"),
            ("beta", "local", "local"),
        ]
        config = rows[0][3] if isinstance(rows[0][3], dict) else json.loads(rows[0][3])
        assert config["max_concurrent_jobs"] >= 1
    finally:
        engine.dispose()
