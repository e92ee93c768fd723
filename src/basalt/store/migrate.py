"""Apply Alembic migrations: automatically when a store opens, and by ``basalt db upgrade``.

Opening a current store costs one small query: Alembic itself is imported only when the
database is behind (or empty), so every CLI call and job start stays quick.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from basalt.errors import UnavailableError

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"

# NOTE: the newest revision in migrations/versions; tests/contract/store/test_migrations.py
# fails when a new revision is added without updating it.
HEAD = "0009"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The newest revision this version of Basalt knows (read from the scripts)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database).

    Raises:
        UnavailableError: The database cannot be reached (the message hides the password).
    """
    try:
        with engine.connect() as conn:
            if not engine.dialect.has_table(conn, "alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, DBAPIError) as exc:
        raise _unreachable(engine, exc) from exc


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest revision.

    Safe when several processes open a new store at once: SQLite takes its write lock up
    front and PostgreSQL an advisory lock, so one migrates and the others find it current.

    Returns:
        True when migrations ran, False when the database was already current.

    Raises:
        UnavailableError: The database cannot be reached.
    """
    if current_revision(engine) == HEAD:
        return False
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = _config()
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(basalt_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72110)")
                if MigrationContext.configure(conn).get_current_revision() == HEAD:
                    return False
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc
    logger.info("migrated store to %s", HEAD)
    return True


def _unreachable(engine: Engine, exc: DBAPIError) -> UnavailableError:
    url = engine.url.render_as_string(hide_password=True)
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return UnavailableError(f"Cannot open the metadata store {url}: {reason}")
