"""Last-write times of stored files, as each fsspec backend reports them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Timestamp = datetime
"""A last-write time, always timezone-aware (UTC)."""


def modified_of(info: dict[str, Any]) -> datetime | None:
    """The last write in an fsspec ``info`` dict: ``mtime`` (local) or ``LastModified`` (S3)."""
    value = info.get("LastModified", info.get("mtime"))
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return None
