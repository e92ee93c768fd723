"""One process at a time: a store-wide named lock for housekeeping (garbage collection).

PostgreSQL: a session-level advisory lock held on a dedicated connection for the duration.
SQLite: an exclusive ``flock`` on a file beside the database (every process that opens the
store sees the same file). An in-memory SQLite database needs no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text


def _key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL's advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def try_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Take the store-wide lock ``name`` without waiting.

    Args:
        engine: The store's engine.
        name: The lock's name (``gc``).

    Yields:
        True when this process holds the lock until the block ends; False when another
        process holds it (the caller should skip its work then).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = _key(f"basalt:{name}")
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    path = Path(f"{database}.{name}.lock")
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
