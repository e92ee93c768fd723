"""Local files of a versioned asset (models, data): hashed, then uploaded as missing blobs."""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

from basalt.client.transports.base import Transport
from basalt.errors import invalid
from basalt.spec import operations as ops
from basalt.spec.models import BlobQuery, ModelFile

_SKIP = {".git", "__pycache__", ".basalt", ".venv"}


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def local_files(path: str) -> list[tuple[ModelFile, Path]]:
    """The files a local path holds, hashed (a file is itself; a folder, its tree).

    Raises:
        InvalidArgumentError: The path does not exist or holds no files.
    """
    root = Path(path).expanduser()
    if root.is_file():
        sha, size = _hash(root)
        return [(ModelFile(path=root.name, sha256=sha, size=size), root)]
    if not root.is_dir():
        raise invalid("path", f"path {path!r} does not exist")
    out = []
    for item in sorted(root.rglob("*")):
        rel = item.relative_to(root)
        if not item.is_file() or any(part in _SKIP for part in rel.parts):
            continue
        sha, size = _hash(item)
        out.append((ModelFile(path=rel.as_posix(), sha256=sha, size=size), item))
    if not out:
        raise invalid("path", f"path {path!r} is an empty folder")
    return out


def upload_missing(
    transport: Transport, workspace: str, files: list[ModelFile], paths: dict[str, Path]
) -> None:
    """Upload the contents the server lacks (``paths``: sha256 → a local file holding it).

    NOTE: models and data share one content-addressed blob store, hence the models' operations.
    """
    query = BlobQuery(sha256=sorted({f.sha256 for f in files}))
    missing: list[str] = transport.call(
        ops.MODELS_BLOBS_MISSING, {"workspace": workspace}, body=query
    )
    for sha in missing:
        transport.upload(ops.MODELS_BLOB_PUT, {"workspace": workspace, "sha256": sha}, paths[sha])


def current_user() -> str | None:
    """The local user name (recorded as ``created_by`` until auth supplies a principal)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is not an error
        return None
