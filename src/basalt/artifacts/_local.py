"""Writes to a local artifact root: hidden temporary files renamed into place, resumable appends."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import uuid
from pathlib import Path
from typing import BinaryIO

from basalt.artifacts._uploads import (
    UPLOADS_DIR,
    Progress,
    Reader,
    UploadState,
    notify,
    upload_key,
)
from basalt.errors import ConflictError

if sys.platform != "win32":
    import fcntl

_CONFLICT_ERRNOS = {errno.EISDIR, errno.ENOTDIR, errno.EEXIST, errno.ENOTEMPTY}


class LocalWriter:
    """Atomic and resumable writes below one local folder.

    Every write goes to a file under ``<root>/.uploads/`` first and is renamed onto its
    destination when complete, so readers see the old file or the whole new one, never a part.
    Both live on the same file system, which is what makes the rename atomic.

    Args:
        root: The artifact root folder (absolute).
        chunk_size: Bytes copied per read and write.
    """

    def __init__(self, root: Path, chunk_size: int) -> None:
        self._root = root
        self._uploads = root / UPLOADS_DIR
        self._chunk_size = chunk_size

    @property
    def min_resumable_size(self) -> int:
        """Any file may upload resumably here."""
        return 0

    def write_stream(self, rel: str, read: Reader, progress: Progress | None) -> int:
        """Copy a stream to ``rel``; nothing appears there unless the copy completes.

        Returns:
            The number of bytes written.
        """
        self._uploads.mkdir(parents=True, exist_ok=True)
        tmp = self._uploads / f"tmp-{uuid.uuid4().hex}"
        total = 0
        try:
            with tmp.open("wb") as dst:
                while chunk := read(self._chunk_size):
                    dst.write(chunk)
                    total += len(chunk)
                    notify(progress, len(chunk))
            self._publish(tmp, rel)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return total

    def write_file(self, rel: str, local: Path, progress: Progress | None) -> int:
        """Copy a local file to ``rel``, continuing an earlier interrupted copy of it.

        The partial copy and a small state file stay under ``.uploads/`` until the copy
        completes; the state names the local file's size and mtime, so a changed file starts
        over.

        Returns:
            The number of bytes copied by this call (less than the size when resumed).

        Raises:
            ConflictError: Another process is uploading to the same path, or the local file
                changed while it was copied.
        """
        self._uploads.mkdir(parents=True, exist_ok=True)
        key = upload_key(rel)
        state_path = self._uploads / f"{key}.json"
        partial = self._uploads / f"{key}.partial"
        before = local.stat()
        # NOTE: open without truncating, then lock, then decide: a second uploader of the same
        # path must fail on the lock before it can touch the bytes the first one appends.
        fd = os.open(partial, os.O_RDWR | os.O_CREAT, 0o644)
        with os.fdopen(fd, "r+b") as dst:
            _lock_or_conflict(dst, rel)
            state = _load_state(state_path)
            offset = os.fstat(dst.fileno()).st_size
            if (
                state is None
                or not state.matches(rel, before.st_size, before.st_mtime_ns)
                or offset > before.st_size
            ):
                offset = 0
                dst.truncate(0)
                _save_state(state_path, UploadState(rel, before.st_size, before.st_mtime_ns))
            copied = self._append(local, dst, offset, before.st_size, progress)
            after = local.stat()
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                partial.unlink(missing_ok=True)
                state_path.unlink(missing_ok=True)
                raise ConflictError(
                    f"Local file {str(local)!r} changed while it was uploaded to {rel!r}; "
                    "upload it again",
                    details={"path": rel},
                )
            # Renamed while still locked, so no second uploader can append to it meanwhile.
            self._publish(partial, rel)
        state_path.unlink(missing_ok=True)
        return copied

    def abort(self, rel: str) -> bool:
        """Forget an interrupted upload to ``rel``; True if there was one."""
        key = upload_key(rel)
        found = False
        for leftover in (self._uploads / f"{key}.partial", self._uploads / f"{key}.json"):
            if leftover.exists():
                leftover.unlink(missing_ok=True)
                found = True
        return found

    def _append(
        self, local: Path, dst: BinaryIO, offset: int, size: int, progress: Progress | None
    ) -> int:
        """Copy bytes ``offset`` up to ``size`` of ``local`` onto the end of ``dst``.

        Bounded by ``size`` so that a file growing meanwhile is caught by the caller's stat
        check rather than followed forever.
        """
        copied = 0
        with local.open("rb") as src:
            src.seek(offset)
            dst.seek(offset)
            while chunk := src.read(min(self._chunk_size, size - offset - copied)):
                dst.write(chunk)
                # Flushed per chunk so that what progress reported is really in the partial file
                # if this process is killed right after.
                dst.flush()
                copied += len(chunk)
                notify(progress, len(chunk))
        return copied

    def _publish(self, tmp: Path, rel: str) -> None:
        target = self._root / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        except OSError as exc:
            if exc.errno in _CONFLICT_ERRNOS:
                raise ConflictError(
                    f"Cannot write artifact {rel!r}: it or one of its parents is a "
                    "folder where a file is needed, or a file where a folder is needed",
                    details={"path": rel},
                ) from exc
            raise


def _lock_or_conflict(handle: BinaryIO, rel: str) -> None:
    if sys.platform == "win32":  # pragma: no cover - no advisory locks; one writer per path
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        raise ConflictError(
            f"Another upload to artifact {rel!r} is in progress; try again when it ends",
            details={"path": rel},
        ) from exc


def _load_state(path: Path) -> UploadState | None:
    with contextlib.suppress(FileNotFoundError):
        return UploadState.from_json(path.read_bytes())
    return None


def _save_state(path: Path, state: UploadState) -> None:
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(state.to_json())
    os.replace(tmp, path)
