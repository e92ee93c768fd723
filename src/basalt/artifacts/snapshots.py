"""Content-addressed code snapshots: each distinct file stored once, a manifest per snapshot.

Layout below the snapshot prefix::

    blobs/<sha[:2]>/<sha>        file contents, named by their sha256
    manifests/<snapshot_id>.json {"version": 1, "files": [{"path", "sha256", "size"}, ...]}

The snapshot id is the sha256 of the manifest's canonical JSON, so the same tree always gets the
same id, and a file unchanged between snapshots is uploaded once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from basalt._internal.ignore import IgnoreRules
from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.store import ArtifactInfo, ArtifactStore
from basalt.errors import ConflictError, InternalError, NotFoundError, invalid

MANIFEST_VERSION = 1
_HASH_CHUNK = 1024 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class SnapshotFile:
    """One file of a snapshot.

    Attributes:
        path: Path relative to the snapshot root, with forward slashes.
        sha256: Hex sha256 of the content; also the name of its blob.
        size: Size in bytes.
    """

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Snapshot:
    """The result of taking a snapshot.

    Attributes:
        id: The snapshot id (sha256 of the manifest); equal trees give equal ids.
        files: The files in it, sorted by path.
        uploaded_files: Files whose content was not stored yet and was uploaded now.
        reused_files: Files whose content was already stored (by any snapshot, or earlier in
            this one) and was not uploaded again.
        uploaded_bytes: Bytes uploaded now.
    """

    id: str
    files: tuple[SnapshotFile, ...]
    uploaded_files: int
    reused_files: int
    uploaded_bytes: int

    @property
    def total_bytes(self) -> int:
        """Size of all files in the snapshot."""
        return sum(f.size for f in self.files)


class SnapshotStore:
    """Takes and restores code snapshots in an artifact store.

    Args:
        store: Where blobs and manifests go.
        prefix: Folder of the store that holds them.

    Example:
        >>> snapshots = SnapshotStore(ArtifactStore("/tmp/basalt-artifacts"))
        >>> snap = snapshots.create(Path("src"))  # doctest: +SKIP
        >>> snapshots.restore(snap.id, Path("/tmp/job-code"))  # doctest: +SKIP
    """

    def __init__(self, store: ArtifactStore, prefix: str = "snapshots") -> None:
        self._store = store
        self._prefix = normalize_artifact_path(prefix, field="prefix")

    def create(self, local_dir: Path, ignore: list[str] | None = None) -> Snapshot:
        """Snapshot a folder, uploading only contents the store does not hold yet.

        ``.git``, ``__pycache__``, ``.basalt`` and ``.venv`` are always left out; so are the
        paths matched by the first of ``.basaltignore``, ``.amlignore``, ``.gitignore`` at the
        folder's root (gitignore syntax, best effort) and by ``ignore``. Symbolic links to
        files are followed; links to folders are skipped.

        Args:
            local_dir: The folder to snapshot.
            ignore: Extra gitignore-style patterns.

        Returns:
            The snapshot, with how many files were uploaded and how many reused.

        Raises:
            InvalidArgumentError: ``local_dir`` is not a folder, or a file name is not a valid
                artifact path.
            ConflictError: A file changed while the snapshot was taken.
        """
        root = Path(local_dir)
        if not root.is_dir():
            raise invalid("local_dir", f"{str(root)!r} is not a folder; give the code folder")
        rules = IgnoreRules.for_folder(root, ignore)
        found = sorted(_walk(root, rules))
        files: list[SnapshotFile] = []
        uploaded = reused = uploaded_bytes = 0
        stored: set[str] = set()
        for rel, path in found:
            sha, size = _hash_file(path)
            files.append(SnapshotFile(rel, sha, size))
            if sha in stored or self._store.exists(self._blob(sha)):
                reused += 1
            else:
                self._upload_blob(sha, path, rel)
                uploaded += 1
                uploaded_bytes += size
            stored.add(sha)
        raw = _manifest_bytes(files)
        snapshot_id = hashlib.sha256(raw).hexdigest()
        manifest_path = self._manifest_path(snapshot_id)
        if not self._store.exists(manifest_path):
            self._store.put_bytes(manifest_path, raw)
        return Snapshot(snapshot_id, tuple(files), uploaded, reused, uploaded_bytes)

    def manifest(self, snapshot_id: str) -> list[SnapshotFile]:
        """The files of a snapshot, sorted by path.

        Raises:
            InvalidArgumentError: ``snapshot_id`` is not a sha256 hex string.
            NotFoundError: No such snapshot.
            InternalError: The stored manifest does not match its id.
        """
        path = self._manifest_path(snapshot_id)
        try:
            raw = self._store.read_bytes(path)
        except NotFoundError as exc:
            raise NotFoundError(
                f"Snapshot {snapshot_id!r} not found", details={"snapshot_id": snapshot_id}
            ) from exc
        if hashlib.sha256(raw).hexdigest() != snapshot_id:
            raise InternalError(f"Manifest of snapshot {snapshot_id!r} does not match its id")
        data = json.loads(raw)
        return [SnapshotFile(f["path"], f["sha256"], int(f["size"])) for f in data["files"]]

    def exists(self, snapshot_id: str) -> bool:
        """Whether a snapshot with this id is stored."""
        return self._store.exists(self._manifest_path(snapshot_id))

    def restore(self, snapshot_id: str, dest: Path) -> list[Path]:
        """Write a snapshot's files below ``dest``, checking each against its hash.

        Files already in ``dest`` with the same paths are replaced; others are left alone.

        Args:
            snapshot_id: The snapshot.
            dest: Destination folder; created if missing.

        Returns:
            The files written, sorted by path.

        Raises:
            NotFoundError: No such snapshot, or one of its blobs is missing.
            InternalError: A stored blob does not match its hash.
        """
        written: list[Path] = []
        for entry in self.manifest(snapshot_id):
            rel = normalize_artifact_path(entry.path, field="manifest.path")
            target = Path(dest, *rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with self._store.open(self._blob(entry.sha256)) as src:
                _copy_verified(src, target, entry.sha256)
            written.append(target)
        return written

    def has_blob(self, sha: str) -> bool:
        """Whether content with this sha256 is stored."""
        return self._store.exists(self._blob(_check_sha(sha)))

    def put_blob(self, sha: str, source: BinaryIO) -> bool:
        """Store one content blob read from ``source``, checking it against ``sha``.

        Returns:
            True when it was stored now, False when the store already held it.

        Raises:
            InvalidArgumentError: ``sha`` is not a sha256 hex string, or the content does not
                match it.
        """
        path = self._blob(_check_sha(sha))
        if self._store.exists(path):
            return False
        reader = _HashingReader(source)
        self._store.put_stream(path, reader)
        if reader.hexdigest() != sha:
            self._store.delete(path, missing_ok=True)
            raise invalid("sha256", f"The uploaded content does not match sha256 {sha}")
        return True

    def open_blob(self, sha: str) -> BinaryIO:
        """A stream of one stored blob.

        Raises:
            NotFoundError: No such blob.
        """
        return self._store.open(self._blob(_check_sha(sha)))

    def write_manifest(self, files: list[SnapshotFile]) -> str:
        """Record a snapshot of blobs already stored; returns its id.

        Raises:
            NotFoundError: One of the blobs is not stored.
        """
        ordered = sorted(files, key=lambda f: f.path)
        for entry in ordered:
            if not self.has_blob(entry.sha256):
                raise NotFoundError(
                    f"Content {entry.sha256} of {entry.path!r} was not uploaded",
                    details={"path": entry.path, "sha256": entry.sha256},
                )
        raw = _manifest_bytes(ordered)
        snapshot_id = hashlib.sha256(raw).hexdigest()
        manifest_path = self._manifest_path(snapshot_id)
        if not self._store.exists(manifest_path):
            self._store.put_bytes(manifest_path, raw)
        return snapshot_id

    # ---- housekeeping (garbage collection) ----

    def stored_blobs(self) -> list[tuple[str, ArtifactInfo]]:
        """Every stored blob: its sha256 and its entry (size, last write), by sha."""
        out = []
        for entry in self._store.list(f"{self._prefix}/blobs", recursive=True):
            name = entry.path.rsplit("/", 1)[-1]
            if _SHA256_RE.match(name):
                out.append((name, entry))
        return sorted(out, key=lambda item: item[0])

    def stored_manifests(self) -> list[tuple[str, ArtifactInfo]]:
        """Every stored manifest: its snapshot id and its entry, by id."""
        out = []
        for entry in self._store.list(f"{self._prefix}/manifests", recursive=True):
            name = entry.path.rsplit("/", 1)[-1].removesuffix(".json")
            if entry.path.endswith(".json") and _SHA256_RE.match(name):
                out.append((name, entry))
        return sorted(out, key=lambda item: item[0])

    def delete_blob(self, sha: str) -> None:
        """Remove one blob (gone already is fine); only garbage collection calls this."""
        self._store.delete(self._blob(_check_sha(sha)), missing_ok=True)

    def delete_manifest(self, snapshot_id: str) -> None:
        """Remove one manifest (gone already is fine); only garbage collection calls this."""
        self._store.delete(self._manifest_path(snapshot_id), missing_ok=True)

    def _blob(self, sha: str) -> str:
        return f"{self._prefix}/blobs/{sha[:2]}/{sha}"

    def _manifest_path(self, snapshot_id: str) -> str:
        if not _SHA256_RE.match(snapshot_id):
            raise invalid(
                "snapshot_id", f"Snapshot id {snapshot_id!r} is not a 64-character sha256 hex"
            )
        return f"{self._prefix}/manifests/{snapshot_id}.json"

    def _upload_blob(self, sha: str, path: Path, rel: str) -> None:
        with path.open("rb") as handle:
            reader = _HashingReader(handle)
            self._store.put_stream(self._blob(sha), reader)
        if reader.hexdigest() != sha:
            # NOTE: a blob must hold exactly the content its name promises; every later
            # snapshot reuses it without looking.
            self._store.delete(self._blob(sha), missing_ok=True)
            raise ConflictError(
                f"File {rel!r} changed while the snapshot was taken; take it again",
                details={"path": rel},
            )


class _HashingReader:
    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _check_sha(sha: str) -> str:
    if not _SHA256_RE.match(sha):
        raise invalid("sha256", f"{sha!r} is not a 64-character sha256 hex")
    return sha


def _walk(root: Path, rules: IgnoreRules) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for folder, dirnames, filenames in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else f"{base}/"
        # Pruned in place so os.walk never descends into ignored folders.
        dirnames[:] = sorted(d for d in dirnames if not rules.ignored(prefix + d, is_dir=True))
        for name in sorted(filenames):
            rel = prefix + name
            path = Path(folder, name)
            if rules.ignored(rel, is_dir=False) or not path.is_file():
                continue
            out.append((normalize_artifact_path(rel, field="local_dir"), path))
    return out


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _manifest_bytes(files: list[SnapshotFile]) -> bytes:
    body = {
        "version": MANIFEST_VERSION,
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in files],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _copy_verified(src: BinaryIO, target: Path, sha: str) -> None:
    digest = hashlib.sha256()
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        with tmp.open("wb") as dst:
            while chunk := src.read(_HASH_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
        if digest.hexdigest() != sha:
            raise InternalError(
                f"Stored blob {sha} does not match its hash; the artifact store is damaged"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
