"""Apply Alembic migrations: automatically when a store opens, and by ``basalt db upgrade``."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The newest revision this version of Basalt knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest revision.

    Safe when several processes open a new store at once: SQLite takes its write lock up
    front and PostgreSQL an advisory lock, so one migrates and the others find it current.

    Returns:
        True when migrations ran, False when the database was already current.
    """
    head = head_revision()
    if current_revision(engine) == head:
        return False
    cfg = _config()
    with engine.connect() as conn:
        conn = conn.execution_options(basalt_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72110)")
            if MigrationContext.configure(conn).get_current_revision() == head:
                return False
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    logger.info("migrated store to %s", head)
    return True
