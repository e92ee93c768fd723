"""Files of a datastore: download, upload, listing; on an fsspec filesystem or the artifact store.

Built-in datastores are folders of the workspace's artifact store (``ArtifactStore``); the
others are fsspec filesystems (``artifacts/datastore_fs.py``). Both are handled here behind
the same three operations, so jobs and data assets need not know which is which.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from basalt.artifacts import ArtifactStore
from basalt.errors import NotFoundError


@dataclass(frozen=True)
class ListedFile:
    """One file below a datastore path: its path relative to that path, size and version."""

    path: str
    size: int
    version: str


def fingerprint(files: list[ListedFile]) -> str:
    """A hash of a listing (paths, sizes and etags or modification times), sorted by path."""
    rows = sorted((f.path, f.size, f.version) for f in files)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _missing(datastore: str, path: str) -> NotFoundError:
    return NotFoundError(
        f"Nothing is stored at azureml://datastores/{datastore}/paths/{path}; check the path "
        f"(basalt datastore show {datastore} says where the datastore points)",
        details={"datastore": datastore, "path": path},
    )


class FsFiles:
    """Files of a datastore on an fsspec filesystem, below ``root``."""

    def __init__(self, name: str, fs: Any, root: str, local: bool) -> None:
        self.name = name
        self.fs = fs
        self.root = root.rstrip("/")
        self.local = local

    def full(self, path: str) -> str:
        """The filesystem path of a datastore path (already normalized)."""
        return f"{self.root}/{path}" if path else self.root

    def listing(self, path: str) -> list[ListedFile]:
        """Every file at or below ``path``; ``[]`` when nothing is there."""
        full = self.full(path)
        try:
            if self.fs.isfile(full):
                info = self.fs.info(full)
                return [ListedFile(Path(path).name, int(info.get("size") or 0), _version(info))]
            found = self.fs.find(full, detail=True, withdirs=False)
        except FileNotFoundError:
            return []
        out = []
        for name, info in found.items():
            if info.get("type") == "directory":
                continue
            rel = str(name).rstrip("/")[len(full.rstrip("/")) :].lstrip("/")
            out.append(ListedFile(rel, int(info.get("size") or 0), _version(info)))
        return sorted(out, key=lambda f: f.path)

    def download(self, path: str, dest: Path) -> list[Path]:
        """Copy the file or folder at ``path`` into ``dest``; the local files written.

        Raises:
            NotFoundError: Nothing is stored there.
        """
        full = self.full(path)
        files = self.listing(path)
        if not files:
            raise _missing(self.name, path)
        written = []
        single = bool(path) and self.fs.isfile(full)
        for f in files:
            source = full if single else f"{full}/{f.path}"
            target = dest / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            self.fs.get_file(source, str(target))
            written.append(target)
        return written

    def upload(self, path: str, source: Path) -> int:
        """Store a local file or folder at ``path``; the number of files."""
        items = (
            [(source, "")]
            if source.is_file()
            else [(p, p.relative_to(source).as_posix()) for p in sorted(source.rglob("*"))]
        )
        count = 0
        for item, rel in items:
            if not item.is_file():
                continue
            target = self.full("/".join(p for p in (path, rel) if p))
            if self.local:
                self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            self.fs.put_file(str(item), target)
            count += 1
        return count

    def check(self) -> None:
        """One cheap request: list the root (raises what the filesystem raises)."""
        self.fs.ls(self.root, detail=False)


class StoreFiles:
    """Files of a built-in datastore: a folder (``prefix``) of the artifact store."""

    def __init__(self, name: str, artifacts: ArtifactStore, prefix: str) -> None:
        self.name = name
        self.artifacts = artifacts
        self.prefix = prefix

    def full(self, path: str) -> str:
        """The artifact-store path of a datastore path (already normalized)."""
        return f"{self.prefix}/{path}" if path else self.prefix

    def listing(self, path: str) -> list[ListedFile]:
        """Every file at or below ``path``; ``[]`` when nothing is there."""
        full = self.full(path)
        infos = self.artifacts.list(full, recursive=True)
        if not infos and path and self.artifacts.exists(full):
            infos = [self.artifacts.info(full)]
            return [ListedFile(Path(path).name, infos[0].size or 0, _when(infos[0].modified))]
        return [
            ListedFile(i.relative_to(full).path, i.size or 0, _when(i.modified))
            for i in infos
            if not i.is_dir
        ]

    def download(self, path: str, dest: Path) -> list[Path]:
        """Copy the file or folder at ``path`` into ``dest``; the local files written.

        Raises:
            NotFoundError: Nothing is stored there.
        """
        full = self.full(path)
        try:
            files = self.artifacts.download_dir(full, dest)
            if files:
                return files
            target = dest / Path(path).name
            self.artifacts.get_file(full, target)
        except NotFoundError:
            raise _missing(self.name, path) from None
        return [target]

    def upload(self, path: str, source: Path) -> int:
        """Store a local file or folder at ``path``; the number of files."""
        full = self.full(path)
        if source.is_file():
            self.artifacts.put_file(full, source)
            return 1
        count = 0
        for item in sorted(source.rglob("*")):
            if item.is_file():
                self.artifacts.put_file(f"{full}/{item.relative_to(source).as_posix()}", item)
                count += 1
        return count


DatastoreFiles = FsFiles | StoreFiles


def _version(info: dict[str, Any]) -> str:
    for key in ("ETag", "etag", "LastModified", "last_modified", "mtime", "created"):
        if info.get(key) is not None:
            return str(info[key]).strip('"')
    return ""


def _when(modified: Any) -> str:
    return "" if modified is None else str(modified)
