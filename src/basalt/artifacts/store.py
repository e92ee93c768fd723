"""ArtifactStore: files of runs, models and snapshots below one fsspec root (a folder or S3).

Every path a caller gives is relative to the root and normalized by
``basalt._internal.paths.normalize_artifact_path``. Reads and writes stream in chunks; writes
appear atomically; large local files upload resumably.
"""

from __future__ import annotations

import builtins
import io
import os
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

import fsspec

from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts._local import LocalWriter
from basalt.artifacts._s3 import S3Writer, s3_options
from basalt.artifacts._times import Timestamp, modified_of
from basalt.artifacts._uploads import UPLOADS_DIR, MiB, Progress, Writer, notify
from basalt.config import ArtifactSettings
from basalt.errors import NotFoundError, invalid

DEFAULT_CHUNK_SIZE = 8 * MiB
DEFAULT_RESUMABLE_THRESHOLD = 64 * MiB
DEFAULT_PART_SIZE = 8 * MiB

_LOCAL_PROTOCOLS = {"file", "local"}
_S3_PROTOCOLS = {"s3", "s3a"}


class SupportsRead(Protocol):
    """Anything with a binary ``read(size)``: open files, sockets' file objects, ``BytesIO``."""

    def read(self, size: int = -1, /) -> bytes:
        """Return at most ``size`` bytes; ``b""`` at the end."""
        ...


@dataclass(frozen=True)
class ArtifactInfo:
    """One entry of the artifact store.

    Attributes:
        path: Path relative to the store's root, with forward slashes.
        size: Size in bytes; None for folders.
        is_dir: Whether the entry is a folder.
        modified: When the file was last written (UTC); None for folders (not compared).
    """

    path: str
    size: int | None
    is_dir: bool
    modified: Timestamp | None = field(default=None, compare=False)

    def relative_to(self, prefix: str) -> ArtifactInfo:
        """This entry with its path made relative to ``prefix``, a folder above it.

        Args:
            prefix: A folder path that the entry's path starts with; ``""`` changes nothing.

        Returns:
            A copy whose ``path`` is relative to ``prefix``.

        Raises:
            InvalidArgumentError: The entry is not below ``prefix``.

        Example:
            >>> ArtifactInfo("runs/r1/model.pkl", 3, False).relative_to("runs/r1").path
            'model.pkl'
        """
        head = prefix.strip("/")
        if not head:
            return self
        if not self.path.startswith(head + "/"):
            raise invalid("prefix", f"Artifact {self.path!r} is not below {prefix!r}")
        return replace(self, path=self.path[len(head) + 1 :])


class ArtifactStore:
    """Files below one root folder or ``s3://bucket/prefix``, addressed by relative paths.

    Args:
        root_url: A local folder (created if missing), ``file://...`` or ``s3://bucket/prefix``.
        storage_options: Passed to the fsspec file system (for S3: ``key``, ``secret``,
            ``endpoint_url``, ``client_kwargs`` ...).
        chunk_size: Bytes moved per read or write when streaming.
        resumable_threshold: Files larger than this upload resumably through ``put_file``.
        part_size: Bytes per S3 multipart part (at least 5 MiB); one part is held in memory.

    Raises:
        InvalidArgumentError: The URL's scheme is not supported, or S3 support is not installed.

    Example:
        >>> store = ArtifactStore("/tmp/basalt-artifacts")
        >>> store.put_bytes("runs/r1/notes.txt", b"hello").size
        5
    """

    def __init__(
        self,
        root_url: str,
        storage_options: dict[str, Any] | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        if chunk_size <= 0 or part_size <= 0 or resumable_threshold < 0:
            raise invalid("chunk_size", "chunk_size and part_size must be positive")
        options = dict(storage_options or {})
        protocol = _protocol_of(root_url)
        if protocol not in _LOCAL_PROTOCOLS | _S3_PROTOCOLS:
            raise invalid(
                "artifacts.url",
                f"Artifact root {root_url!r} is not supported; use a folder or s3://bucket/prefix",
            )
        if protocol in _S3_PROTOCOLS:
            # NOTE: this store writes through raw S3 calls that bypass s3fs's listing cache, so
            # a cached listing would go stale; S3 listings are never cached here.
            options["use_listings_cache"] = False
        try:
            fs, root = fsspec.core.url_to_fs(root_url, **options)
        except ImportError as exc:
            raise invalid(
                "artifacts.url",
                f"Artifact root {root_url!r} needs S3 support: pip install 'basalt[s3]'",
            ) from exc
        self._fs: Any = fs
        self._root: str = str(root).rstrip("/")
        self._chunk_size = chunk_size
        self._resumable_threshold = resumable_threshold
        self._is_local = protocol in _LOCAL_PROTOCOLS
        self._writer: Writer
        if self._is_local:
            Path(self._root).mkdir(parents=True, exist_ok=True)
            self._writer = LocalWriter(Path(self._root), chunk_size)
        else:
            self._writer = S3Writer(fs, self._root, f"{self._root}/{UPLOADS_DIR}", part_size)

    @classmethod
    def from_settings(
        cls,
        settings: ArtifactSettings,
        default_root: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> ArtifactStore:
        """Build the store that ``settings`` describe.

        Args:
            settings: The ``artifacts`` section of Basalt's settings.
            default_root: The root to use when ``settings.url`` is unset (the workspace's
                ``artifacts`` folder).
            chunk_size: As for the constructor.
            resumable_threshold: As for the constructor.
            part_size: As for the constructor.

        Returns:
            A store on S3 (with the endpoint, keys and region of ``settings``) or on a folder.

        Raises:
            InvalidArgumentError: The URL's scheme is not supported, or S3 support is not installed.
        """
        url = settings.url or default_root
        options: dict[str, Any] | None = None
        if _protocol_of(url) in _S3_PROTOCOLS:
            options = s3_options(settings)
        elif _protocol_of(url) == "file":
            url = str(Path(url.removeprefix("file://")).expanduser())
        # Any other scheme is refused by the constructor.
        return cls(
            url,
            options,
            chunk_size=chunk_size,
            resumable_threshold=resumable_threshold,
            part_size=part_size,
        )

    # ---- writing -------------------------------------------------------------------------

    def put_file(
        self, path: str, local_path: str | os.PathLike[str], *, progress: Progress | None = None
    ) -> ArtifactInfo:
        """Upload a local file, streaming; files above the threshold upload resumably.

        If a resumable upload of the same local file (same size and mtime) to the same path was
        interrupted, by an exception or by the process being killed, this call continues it.

        Args:
            path: Destination, relative to the root.
            local_path: The local file.
            progress: Called with each increment of bytes sent; a resumed upload reports only
                the bytes it sends.

        Returns:
            The stored file.

        Raises:
            InvalidArgumentError: The path is not a safe relative path.
            NotFoundError: The local file does not exist.
            ConflictError: The local file changed during the upload, another upload to the
                same path is running, or a folder stands where the file should go.
        """
        rel = self._norm(path)
        local = Path(local_path)
        if not local.is_file():
            raise NotFoundError(f"Local file {str(local)!r} not found", details={"path": rel})
        size = local.stat().st_size
        if size > max(self._resumable_threshold, self._writer.min_resumable_size):
            self._writer.write_file(rel, local, progress)
            return ArtifactInfo(rel, size, False)
        with local.open("rb") as src:
            remaining = size

            # NOTE: bounded by the size seen above, so a file that grows while it is read (a
            # log being written) is stored as it was, instead of being followed forever.
            def read(n: int) -> bytes:
                nonlocal remaining
                data = src.read(min(n, remaining))
                remaining -= len(data)
                return data

            written = self._writer.write_stream(rel, read, progress)
        return ArtifactInfo(rel, written, False)

    def put_bytes(self, path: str, data: bytes) -> ArtifactInfo:
        """Store ``data`` at ``path``, replacing what was there.

        Raises:
            InvalidArgumentError: The path is not a safe relative path.
        """
        rel = self._norm(path)
        return ArtifactInfo(rel, self._writer.write_stream(rel, io.BytesIO(data).read, None), False)

    def put_stream(
        self, path: str, fileobj: SupportsRead, *, progress: Progress | None = None
    ) -> ArtifactInfo:
        """Store everything read from a binary stream at ``path``, in chunks.

        Nothing appears at ``path`` unless the stream is read to its end.

        Raises:
            InvalidArgumentError: The path is not a safe relative path.
        """
        rel = self._norm(path)
        return ArtifactInfo(rel, self._writer.write_stream(rel, fileobj.read, progress), False)

    def abort_upload(self, path: str) -> bool:
        """Discard the saved state (and S3 parts) of an interrupted resumable upload.

        Returns:
            True if there was an interrupted upload to ``path``.
        """
        return self._writer.abort(self._norm(path))

    # ---- reading -------------------------------------------------------------------------

    def open(self, path: str) -> BinaryIO:
        """Open a stored file for streaming reads; close it (or use ``with``) when done.

        Raises:
            NotFoundError: No file at ``path``.
        """
        rel = self._norm(path)
        full = self._full(rel)
        try:
            if self._is_local:
                handle = self._fs.open(full, "rb")
            else:
                handle = self._fs.open(
                    full, "rb", block_size=self._chunk_size, cache_type="readahead"
                )
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise _not_found(rel) from exc
        # S3 "opens" a folder prefix as an empty object; a folder is not a file to read.
        if getattr(handle, "details", {}).get("type") == "directory":
            handle.close()
            raise _not_found(rel)
        return cast(BinaryIO, handle)

    def read_bytes(self, path: str) -> bytes:
        """Return the whole content of a stored file (for small files; stream large ones).

        Raises:
            NotFoundError: No file at ``path``.
        """
        with self.open(path) as handle:
            return handle.read()

    def get_file(
        self, path: str, local_path: str | os.PathLike[str], *, progress: Progress | None = None
    ) -> ArtifactInfo:
        """Download a stored file, streaming; ``local_path`` appears only when complete.

        Args:
            path: The stored file, relative to the root.
            local_path: Destination; parent folders are created.
            progress: Called with each increment of bytes received.

        Returns:
            The stored file.

        Raises:
            NotFoundError: No file at ``path``.
        """
        rel = self._norm(path)
        dest = Path(local_path)
        with self.open(rel) as src:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.part")
            total = 0
            try:
                with tmp.open("wb") as dst:
                    while chunk := src.read(self._chunk_size):
                        dst.write(chunk)
                        total += len(chunk)
                        notify(progress, len(chunk))
                os.replace(tmp, dest)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return ArtifactInfo(rel, total, False)

    def download_dir(self, prefix: str, local_dir: str | os.PathLike[str]) -> list[Path]:
        """Copy every file below ``prefix`` into ``local_dir``, keeping relative paths.

        Args:
            prefix: A stored folder (``""`` for everything) or a single file.
            local_dir: Destination folder; created if missing.

        Returns:
            The local files written, sorted.

        Raises:
            NotFoundError: Nothing is stored at or below ``prefix``.
        """
        rel = self._norm(prefix, field="prefix", allow_empty=True)
        dest = Path(local_dir)
        if rel and self._fs.isfile(self._full(rel)):
            target = dest / rel.rsplit("/", 1)[-1]
            self.get_file(rel, target)
            return [target]
        entries = self.list(rel, recursive=True)
        if not entries:
            raise NotFoundError(
                f"No artifacts under {rel or 'the root'!r}", details={"prefix": rel}
            )
        written: list[Path] = []
        # NOTE: get_file normalizes entry.path again, so a foreign S3 key such as "a/../../x"
        # is refused before anything is written outside local_dir.
        for entry in entries:
            inner = entry.path[len(rel) + 1 :] if rel else entry.path
            target = dest / inner
            self.get_file(entry.path, target)
            written.append(target)
        return written

    # ---- listing and housekeeping ------------------------------------------------------

    def list(self, prefix: str = "", *, recursive: bool = False) -> builtins.list[ArtifactInfo]:
        """List the entries directly below ``prefix`` (or every file below it), by path.

        Args:
            prefix: A folder relative to the root; ``""`` for the root. A file lists itself.
            recursive: List every file below ``prefix`` instead of one level (files and
                folders); folders themselves are not listed then.

        Returns:
            The entries sorted by path; ``[]`` when nothing is there. Internal upload state
            is never listed.

        Raises:
            InvalidArgumentError: The prefix is not a safe relative path.
        """
        rel = self._norm(prefix, field="prefix", allow_empty=True)
        full = self._full(rel)
        try:
            if recursive:
                found = self._fs.find(full, detail=True, withdirs=False)
                raw = [info if info else self._fs.info(name) for name, info in found.items()]
            else:
                raw = self._fs.ls(full, detail=True)
        except (FileNotFoundError, NotADirectoryError):
            return []
        out: dict[str, ArtifactInfo] = {}
        for info in raw:
            entry = self._to_info(info)
            if entry is not None and not (recursive and entry.is_dir):
                out[entry.path] = entry
        return [out[key] for key in sorted(out)]

    def info(self, path: str) -> ArtifactInfo:
        """Describe one stored file or folder.

        Raises:
            NotFoundError: Nothing is stored at ``path``.
        """
        rel = self._norm(path)
        try:
            entry = self._to_info(self._fs.info(self._full(rel)))
        except FileNotFoundError as exc:
            raise _not_found(rel) from exc
        if entry is None:
            raise _not_found(rel)
        return entry

    def exists(self, path: str) -> bool:
        """Whether a file or folder is stored at ``path``."""
        return bool(self._fs.exists(self._full(self._norm(path))))

    def delete(self, prefix: str, *, missing_ok: bool = False) -> None:
        """Delete a stored file, or a folder with everything below it.

        Args:
            prefix: The file or folder, relative to the root (the root itself is refused).
            missing_ok: Return quietly when nothing is there.

        Raises:
            NotFoundError: Nothing is stored at ``prefix`` and ``missing_ok`` is False.
        """
        rel = self._norm(prefix, field="prefix")
        full = self._full(rel)
        if self._fs.isfile(full):
            self._fs.rm_file(full)
        elif self._fs.isdir(full):
            self._fs.rm(full, recursive=True)
        elif missing_ok:
            return
        else:
            raise _not_found(rel)
        if self._is_local:
            self._prune_empty_parents(rel)

    def uri(self, path: str = "") -> str:
        """Full URL of ``path`` (``file:///...`` or ``s3://bucket/...``); ``""`` for the root."""
        rel = self._norm(path, allow_empty=True)
        full = self._full(rel)
        if self._is_local:
            return Path(full).as_uri()
        return f"s3://{full}"

    # ---- internals -----------------------------------------------------------------------

    def _norm(self, path: str, *, field: str = "path", allow_empty: bool = False) -> str:
        rel = normalize_artifact_path(path, field=field, allow_empty=allow_empty)
        if rel.split("/", 1)[0] == UPLOADS_DIR:
            raise invalid(field, f"Artifact path {path!r} is inside the reserved {UPLOADS_DIR!r}")
        return rel

    def _full(self, rel: str) -> str:
        return f"{self._root}/{rel}" if rel else self._root

    def _relative(self, name: str) -> str | None:
        name = name.rstrip("/")
        if not name.startswith(self._root + "/"):
            return None
        return name[len(self._root) + 1 :]

    def _to_info(self, info: dict[str, Any]) -> ArtifactInfo | None:
        name = str(info["name"])
        rel = self._relative(name)
        if not rel or rel.split("/", 1)[0] == UPLOADS_DIR:
            return None
        # A key ending in "/" is a folder marker that S3 consoles and some tools create.
        if info.get("type") == "directory" or name.endswith("/"):
            return ArtifactInfo(rel, None, True)
        size = info.get("size")
        return ArtifactInfo(rel, int(size) if size is not None else None, False, modified_of(info))

    def _prune_empty_parents(self, rel: str) -> None:
        """Remove folders that a delete left empty, so local listings match S3's."""
        parent = Path(self._root, rel).parent
        root = Path(self._root)
        while parent != root and root in parent.parents:
            try:
                parent.rmdir()
            except OSError:  # not empty: every folder above holds something too
                break
            parent = parent.parent

    def __repr__(self) -> str:
        return f"ArtifactStore({self.uri()!r})"


def _protocol_of(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep or len(scheme) == 1:  # a plain path, or a Windows drive letter
        return "file"
    return scheme.lower()


def _not_found(rel: str) -> NotFoundError:
    return NotFoundError(f"Artifact {rel!r} not found", details={"path": rel})
