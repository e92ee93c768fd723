"""Local files that travel with a submission, hashed so only missing content is uploaded.

A code folder respects ignore files, has a size cap and records its git state; an input path
is taken whole.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from basalt._internal.ignore import IgnoreRules
from basalt.errors import invalid
from basalt.spec.job_requests import GitInfo
from basalt.spec.models import ModelFile

ALWAYS_SKIPPED = [".git/", "__pycache__/", ".basalt/", ".venv/", "*.pyc"]
"""Left out of every code snapshot, whatever the ignore files say."""


def hash_file(path: Path) -> tuple[str, int]:
    """(sha256 hex, size) of one file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def code_files(root: Path, *, max_bytes: int, field: str = "code") -> list[tuple[ModelFile, Path]]:
    """The files of a code folder (or one file) as a job snapshot holds them.

    ``.basaltignore``, ``.amlignore`` or ``.gitignore`` at the folder's root (the first found)
    leave files out, as on Azure ML.

    Raises:
        InvalidArgumentError: The path does not exist, or the folder is over ``max_bytes``.
    """
    root = root.expanduser()
    if root.is_file():
        sha, size = hash_file(root)
        _check_size(root, size, max_bytes, field)
        return [(ModelFile(path=root.name, sha256=sha, size=size), root)]
    if not root.is_dir():
        raise invalid(field, f"{field} path {str(root)!r} does not exist")
    rules = IgnoreRules.for_folder(root, ALWAYS_SKIPPED)
    out: list[tuple[ModelFile, Path]] = []
    total = 0
    for folder, dirnames, filenames in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else f"{base}/"
        dirnames[:] = sorted(d for d in dirnames if not rules.ignored(prefix + d, is_dir=True))
        for name in sorted(filenames):
            rel = prefix + name
            path = Path(folder, name)
            if rules.ignored(rel, is_dir=False) or not path.is_file():
                continue
            sha, size = hash_file(path)
            total += size
            _check_size(root, total, max_bytes, field)
            out.append((ModelFile(path=rel, sha256=sha, size=size), path))
    return out


def _check_size(root: Path, total: int, max_bytes: int, field: str) -> None:
    if total > max_bytes:
        raise invalid(
            field,
            f"{field} folder {str(root)!r} is over {max_bytes // 2**20} MiB; leave data out with "
            "an .amlignore (or .gitignore) file, pass data as an input, or raise "
            "BASALT_COMPUTE__MAX_SNAPSHOT_MB",
        )


def git_info(root: Path) -> GitInfo | None:
    """The commit, branch and dirty flag of the repository holding ``root``, if any."""
    folder = root if root.is_dir() else root.parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=folder, capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return GitInfo(
        commit=commit,
        branch=git("rev-parse", "--abbrev-ref", "HEAD"),
        dirty=bool(status) if status is not None else None,
        remote=git("remote", "get-url", "origin"),
    )
