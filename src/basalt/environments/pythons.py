"""Find a Python interpreter of a requested version on this machine (never downloads one)."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from basalt.errors import invalid

_VERSION = re.compile(r"^(\d+)\.(\d+)")
_NAMED = re.compile(r"^python(\d+)\.(\d+)$")


def uv_bin() -> str:
    """The path of the uv executable that ships with Basalt (or the one on PATH)."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found is None:
            raise invalid(
                "environment", "uv is not installed; reinstall Basalt (it depends on uv)."
            ) from None
        return found


def _parse(version: str) -> tuple[int, int]:
    match = _VERSION.match(version.strip())
    if match is None:
        raise invalid("python", f"Python version {version!r} is not a version; write it as '3.11'.")
    return int(match[1]), int(match[2])


def _usable(path: Path) -> bool:
    # pyenv shims fail for versions that are not global; skip them and use the real files.
    return "shims" not in path.parts and path.is_file() and os.access(path, os.X_OK)


def _from_uv() -> list[tuple[tuple[int, int], Path]]:
    try:
        proc = subprocess.run(
            [uv_bin(), "python", "list", "--only-installed", "--no-python-downloads"]
            + ["--output-format", "json"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        entries = json.loads(proc.stdout) if proc.returncode == 0 else []
    except (OSError, ValueError, subprocess.SubprocessError):
        return []
    found: list[tuple[tuple[int, int], Path]] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("implementation") != "cpython":
            continue
        parts = entry.get("version_parts") or {}
        path = Path(str(entry.get("path")))
        if _usable(path):
            found.append(((int(parts["major"]), int(parts["minor"])), path))
    return found


def _from_files() -> list[tuple[tuple[int, int], Path]]:
    found: list[tuple[tuple[int, int], Path]] = []
    candidates = sorted((Path.home() / ".pyenv" / "versions").glob("*/bin/python3.*"), reverse=True)
    for minor in range(6, 20):
        which = shutil.which(f"python3.{minor}")
        if which:
            candidates.append(Path(which))
    for folder in (Path("/usr/local/bin"), Path("/usr/bin")):
        candidates.extend(sorted(folder.glob("python3.*")))
    for path in candidates:
        match = _NAMED.match(path.name)
        if match and _usable(path):
            found.append(((int(match[1]), int(match[2])), path))
    return found


@functools.cache
def available_pythons() -> dict[str, Path]:
    """Every Python found here, as ``{"3.X": interpreter}``; discovered once per process."""
    table: dict[str, Path] = {}
    current = (sys.version_info.major, sys.version_info.minor)
    table[f"{current[0]}.{current[1]}"] = Path(sys.executable)
    for version, path in _from_uv() + _from_files():
        table.setdefault(f"{version[0]}.{version[1]}", path)
    return table


def find_python(version: str | None) -> tuple[Path, str | None]:
    """The interpreter for a requested ``"3.X"`` version.

    Args:
        version: ``"3.10"`` (a patch part is ignored); ``None`` means Basalt's own interpreter.

    Returns:
        The interpreter, and a warning naming both versions when the requested one is not
        installed and the nearest one (higher on a tie) is used instead; else ``None``.

    Raises:
        InvalidArgumentError: ``version`` is not a version, or no Python is found at all.
    """
    if version is None:
        return Path(sys.executable), None
    major, minor = _parse(version)
    wanted = f"{major}.{minor}"
    if (major, minor) == (sys.version_info.major, sys.version_info.minor):
        return Path(sys.executable), None
    table = available_pythons()
    if wanted in table:
        return table[wanted], None

    def distance(item: tuple[str, Path]) -> tuple[int, int]:
        got = _parse(item[0])
        return abs(got[0] - major) * 100 + abs(got[1] - minor), -got[1]

    best, path = min(table.items(), key=distance)
    warning = (
        f"Python {wanted} is not installed here; using Python {best} ({path}) instead. "
        f"Install Python {wanted} (for example with pyenv or 'uv python install {wanted}') "
        "to run with the version the environment asks for."
    )
    return path, warning
