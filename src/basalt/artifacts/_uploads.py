"""Shared pieces of the upload writers: resumable-upload state, chunked reads, progress."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

Progress = Callable[[int], None]
"""Called with the number of bytes just transferred (an increment, as ``tqdm.update`` takes)."""

Reader = Callable[[int], bytes]
"""``read(n)`` of a binary stream: at most ``n`` bytes, ``b""`` at the end."""

MiB = 1024 * 1024

UPLOADS_DIR = ".uploads"
"""Top-level folder of the artifact root that holds upload state and partial files.

NOTE: it is reserved: user paths may not start with it and listings never show it.
"""

STATE_VERSION = 1


class Writer(Protocol):
    """How a back end writes; reads, listings and deletes go through fsspec instead."""

    @property
    def min_resumable_size(self) -> int:
        """Files up to this size are never worth resuming on this back end."""
        ...

    def write_stream(self, rel: str, read: Reader, progress: Progress | None) -> int:
        """Atomically store everything ``read`` returns at ``rel``; return the byte count."""
        ...

    def write_file(self, rel: str, local: Path, progress: Progress | None) -> int:
        """Store a local file at ``rel``, resuming an interrupted attempt; return bytes sent."""
        ...

    def abort(self, rel: str) -> bool:
        """Forget an interrupted upload to ``rel``; True if there was one."""
        ...


def upload_key(path: str) -> str:
    """Return the file-name-safe key of the resumable upload to ``path``."""
    return hashlib.sha256(path.encode("utf-8")).hexdigest()


def read_exact(read: Reader, size: int) -> bytes:
    """Read ``size`` bytes, or fewer only at the end of the stream."""
    pieces: list[bytes] = []
    remaining = size
    while remaining > 0:
        piece = read(remaining)
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)


def notify(progress: Progress | None, count: int) -> None:
    """Report ``count`` transferred bytes if there is a callback and anything moved."""
    if progress is not None and count:
        progress(count)


@dataclass
class UploadState:
    """What a resumable upload remembers between attempts.

    The state belongs to one destination path and one version of the local file (its size and
    modification time); a changed file no longer matches and its upload starts over.

    Args:
        path: Destination path, relative to the artifact root.
        size: Size of the local file in bytes.
        mtime_ns: Modification time of the local file in nanoseconds.
        upload_id: S3 multipart upload id (S3 only).
        part_size: Bytes per part (S3 only); fixed for the life of the upload.
        parts: Completed parts as ``{"PartNumber": n, "ETag": "..."}`` (S3 only).
    """

    path: str
    size: int
    mtime_ns: int
    upload_id: str | None = None
    part_size: int | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)

    def matches(self, path: str, size: int, mtime_ns: int) -> bool:
        """Whether this state belongs to the given destination and local file version."""
        return (self.path, self.size, self.mtime_ns) == (path, size, mtime_ns)

    def to_json(self) -> bytes:
        """Serialize for storage."""
        return json.dumps({"version": STATE_VERSION, **asdict(self)}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> UploadState | None:
        """Parse stored state; None when it is unreadable or from another format version."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.pop("version", None) != STATE_VERSION:
                return None
            return cls(**data)
        except (ValueError, TypeError):
            return None
