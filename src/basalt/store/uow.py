"""Unit of work: one session and one transaction per service call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from basalt.errors import UnavailableError
from basalt.store.engine import WRITE_OPTION

__all__ = ["Session", "UnitOfWork"]


class UnitOfWork:
    """Opens transactions on one engine.

    Args:
        engine: The store's engine (see ``make_engine``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @contextmanager
    def __call__(self, *, write: bool = False) -> Iterator[Session]:
        """Yield a session inside a transaction committed on success, rolled back on error.

        Args:
            write: Take SQLite's write lock up front (``BEGIN IMMEDIATE``), so concurrent
                writers queue instead of failing on a lock upgrade.

        Raises:
            UnavailableError: The database stayed locked or unreachable.
        """
        try:
            with self._sessions() as session, session.begin():
                if write:
                    session.connection(execution_options={WRITE_OPTION: True})
                yield session
        except OperationalError as exc:
            text = str(exc.orig).lower()
            if "locked" in text or "busy" in text or "connection" in text:
                raise UnavailableError(f"The metadata store is unavailable: {exc.orig}") from exc
            raise
