"""Build resolved environments as virtual environments with uv, cached by content hash."""

from __future__ import annotations

import collections
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from basalt.environments.pythons import find_python, uv_bin
from basalt.environments.resolve import ResolvedEnvironment, host_version
from basalt.errors import invalid

MARKER = ".basalt-env.json"
TRACKING_PTH = "_basalt_tracking.pth"
# NOTE: appended, never prepended: the user's own packages always win over the overlay's.
TRACKING_PTH_LINE = (
    'import os, sys; p = os.environ.get("BASALT_TRACKING_PATH"); '
    "p and p not in sys.path and sys.path.append(p)\n"
)
_TAIL_LINES = 25


@dataclass
class MaterializedEnvironment:
    """A ready environment.

    Attributes:
        python: The interpreter to run the job with.
        root: The venv folder; ``None`` when the job runs with Basalt's own interpreter.
        key: The resolved environment's cache key.
        built: True when this call built the venv (False on a cache hit).
        seconds: Time this call spent building (0 on a hit).
        notes: Lines for the job's log.
    """

    python: Path
    root: Path | None
    key: str
    built: bool
    seconds: float
    notes: list[str] = field(default_factory=list)


def _venv_python(root: Path) -> Path:
    return root / "bin" / "python"


def _hit(root: Path, key: str, notes: list[str]) -> MaterializedEnvironment | None:
    # NOTE: the hot path of every job start: one open + read, no subprocess, no lock.
    try:
        json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return MaterializedEnvironment(_venv_python(root), root, key, False, 0.0, notes)


@contextmanager
def _locked(lock_path: Path, log: Callable[[str], None]) -> Iterator[None]:
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another build of this environment")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _stream(cmd: list[str], log: Callable[[str], None]) -> tuple[int, list[str]]:
    tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            text = line.rstrip()
            tail.append(text)
            log(text)
        code = proc.wait()
    return code, list(tail)


def _build(
    resolved: ResolvedEnvironment, tmp: Path, interpreter: Path, log: Callable[[str], None]
) -> None:
    uv = uv_bin()
    steps = [
        [uv, "venv", "--no-python-downloads", "--relocatable", "--quiet"]
        + ["--python", str(interpreter), str(tmp)],
    ]
    if resolved.requirements:
        steps.append(
            [uv, "pip", "install", "--no-python-downloads", "--python", str(_venv_python(tmp))]
            + list(resolved.requirements)
        )
    for cmd in steps:
        code, tail = _stream(cmd, log)
        if code != 0:
            wanted = ", ".join(resolved.requirements) or "(none)"
            output = "\n".join(tail)
            raise invalid(
                "environment",
                f"Building the environment failed (uv exited with {code}); requirements: "
                f"{wanted}. Fix or drop the requirement that uv names below, then create a new "
                f"environment version.\n{output}",
            )
    site = sorted(tmp.glob("lib/python*/site-packages"))
    if not site:
        raise invalid("environment", f"The new venv {tmp} has no site-packages folder.")
    (site[0] / TRACKING_PTH).write_text(TRACKING_PTH_LINE)


def materialize(
    resolved: ResolvedEnvironment,
    cache_dir: Path,
    log: Callable[[str], None] = lambda _: None,
) -> MaterializedEnvironment:
    """Return a ready environment, building and caching its venv on first use.

    Builds are serialized per key by a file lock, so processes that ask for the same new
    environment at once build it once; the others wait and reuse it.

    Args:
        resolved: The resolved environment.
        cache_dir: The environments cache (``<workspace>/envs``).
        log: Receives uv's output and progress lines as they come.

    Returns:
        The environment; ``built`` tells whether this call built it.

    Raises:
        InvalidArgumentError: uv could not install the requirements; the message holds the
            requirements and the last lines of uv's output. Nothing is left in the cache.
    """
    key = resolved.key()
    notes = list(resolved.notes)
    if resolved.host_python:
        return MaterializedEnvironment(Path(sys.executable), None, key, False, 0.0, notes)
    root = cache_dir / key
    hit = _hit(root, key, notes)
    if hit is not None:
        return hit
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / f"{key}.lock", log):
        hit = _hit(root, key, notes)
        if hit is not None:
            return hit
        started = time.monotonic()
        interpreter, warning = find_python(resolved.python)
        if warning:
            notes.append(warning)
            log(warning)
        log(f"building environment {key[:12]} with {interpreter}")
        tmp = cache_dir / f"{key}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _build(resolved, tmp, interpreter, log)
            if root.exists():  # a build that crashed between rename and marker
                shutil.rmtree(root)
            tmp.rename(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        seconds = time.monotonic() - started
        marker = {
            "key": key,
            "python": str(_venv_python(root)),
            "python_version": resolved.python or host_version(),
            "interpreter": str(interpreter),
            "requirements": list(resolved.requirements),
            "seconds": round(seconds, 3),
        }
        partial = root / f"{MARKER}.tmp"
        partial.write_text(json.dumps(marker, indent=2))
        partial.replace(root / MARKER)  # NOTE: written last; its presence means "complete"
        log(f"environment {key[:12]} built in {seconds:.1f} s")
    return MaterializedEnvironment(_venv_python(root), root, key, True, seconds, notes)


def list_cached(cache_dir: Path) -> list[dict[str, object]]:
    """The complete cached environments: each marker's content, with ``root`` added."""
    found: list[dict[str, object]] = []
    if not cache_dir.is_dir():
        return found
    for marker in sorted(cache_dir.glob(f"*/{MARKER}")):
        try:
            data = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            data["root"] = str(marker.parent)
            found.append(data)
    return found


def remove(cache_dir: Path, key: str) -> bool:
    """Delete one cached environment (under its build lock); False when it was not there."""
    root = cache_dir / key
    if "/" in key or key.startswith(".") or not root.is_dir():
        return False
    with _locked(cache_dir / f"{key}.lock", lambda _: None):
        # Drop the marker first, so a concurrent reader sees "not built" rather than half a venv.
        (root / MARKER).unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
    # NOTE: the lock file stays: unlinking it could let a waiter and a newcomer both build.
    return True


# The distributions the in-job tracking client needs to talk HTTP to Basalt.
OVERLAY_DISTRIBUTIONS = (
    "basalt",
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "sniffio",
    "idna",
    "certifi",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "python-dotenv",
    "annotated_types",
    "typing_extensions",
    "typing_inspection",
    "pyyaml",
)


def _top_level_names(dist: importlib.metadata.Distribution, name: str) -> set[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names: set[str] = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first.endswith((".dist-info", ".egg-info", ".pth", ".data")) or first in (
            "..",
            "__pycache__",
        ):
            continue
        if len(file.parts) == 1:
            if first.endswith(".py") or first.endswith(".so"):
                names.add(first.split(".", 1)[0])
        else:
            names.add(first)
    # An editable install lists only its .pth hook; fall back to the distribution's name.
    return names or {name.replace("-", "_").lower()}


def _overlay_sources() -> dict[str, Path]:
    sources: dict[str, Path] = {}
    for name in OVERLAY_DISTRIBUTIONS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for top in sorted(_top_level_names(dist, name)):
            spec = importlib.util.find_spec(top)
            if spec is None:
                continue
            if spec.submodule_search_locations:
                sources[top] = Path(next(iter(spec.submodule_search_locations)))
            elif spec.origin and spec.origin not in ("built-in", "frozen"):
                origin = Path(spec.origin)
                sources[origin.name] = origin
    return sources


@functools.cache
def _overlay_plan() -> tuple[str, tuple[tuple[str, Path], ...]]:
    sources = tuple(sorted(_overlay_sources().items()))
    digest = hashlib.sha256(repr(sources).encode()).hexdigest()[:16]
    return f"_overlay-py{sys.version_info.major}.{sys.version_info.minor}-{digest}", sources


def tracking_overlay(cache_dir: Path) -> Path | None:
    """A folder that makes Basalt's tracking client importable from a job's venv.

    It holds symlinks to the top-level packages of Basalt and of what the tracking client
    needs over HTTP (httpx, pydantic ...). A venv built by :func:`materialize` appends the
    folder named by ``BASALT_TRACKING_PATH`` to ``sys.path``, so ``import basalt`` works there
    without shadowing the user's own packages. It only works for a venv with the same Python
    major.minor as Basalt's (pydantic_core is compiled), hence the version in its name.

    Args:
        cache_dir: The environments cache (``<workspace>/envs``).

    Returns:
        The overlay folder (built once, atomically), or ``None`` when Basalt itself cannot be
        located through its distribution metadata.
    """
    name, sources = _overlay_plan()
    if "basalt" not in dict(sources):
        return None
    final = cache_dir / name
    if final.is_dir():
        return final
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"{name}.tmp-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for top, source in sources:
        (tmp / top).symlink_to(source)
    try:
        tmp.rename(final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)  # another process built it first
    return final
