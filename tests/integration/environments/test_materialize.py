"""Real uv builds into temporary caches: hits, locking, failures, interpreters, the overlay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from basalt.environments.materialize import (
    MARKER,
    TRACKING_PTH,
    list_cached,
    materialize,
    remove,
    tracking_overlay,
)
from basalt.environments.pythons import find_python
from basalt.environments.resolve import ResolvedEnvironment, resolve
from basalt.errors import InvalidArgumentError
from basalt.spec.environments import EnvironmentSpec

SIX = ResolvedEnvironment(python=None, requirements=("six",), host_python=False)


def run_in(
    python: Path, code: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "BASALT_TRACKING_PATH", "VIRTUAL_ENV")
    }
    clean.update(env or {})
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=clean, check=False
    )


def test_build_then_cache_hit(tmp_path: Path) -> None:
    lines: list[str] = []
    first = materialize(SIX, tmp_path, lines.append)
    assert first.built
    assert first.root == tmp_path / SIX.key()
    assert any("six" in line for line in lines), lines
    assert any("built in" in line for line in lines)
    marker = first.root / MARKER
    before = marker.read_text()
    assert json.loads(before)["requirements"] == ["six"]
    assert run_in(first.python, "import six").returncode == 0
    assert not list(tmp_path.glob("*.tmp-*"))

    second = materialize(SIX, tmp_path)
    assert not second.built
    assert second.seconds == 0.0
    assert second.python == first.python
    assert marker.read_text() == before
    assert [e["key"] for e in list_cached(tmp_path)] == [SIX.key()]


def test_host_python_returns_sys_executable_without_building(tmp_path: Path) -> None:
    resolved = resolve(EnvironmentSpec(image="python:3.11"))
    got = materialize(resolved, tmp_path / "cache")
    assert got.python == Path(sys.executable)
    assert got.root is None
    assert not got.built
    assert got.notes == list(resolved.notes)
    assert not (tmp_path / "cache").exists()


def test_concurrent_builds_of_one_env_build_once(tmp_path: Path) -> None:
    resolved = ResolvedEnvironment(python=None, requirements=("six", "idna"), host_python=False)
    results: list[bool] = []
    waits: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            got = materialize(
                resolved, tmp_path, lambda line: waits.append(line) if "waiting" in line else None
            )
            results.append(got.built)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(results) == [False, True]
    assert len(list_cached(tmp_path)) == 1


def test_bad_requirement_names_it_and_leaves_nothing(tmp_path: Path) -> None:
    bad = "this-package-does-not-exist-basalt==1.0"
    resolved = ResolvedEnvironment(python=None, requirements=("six", bad), host_python=False)
    with pytest.raises(InvalidArgumentError) as err:
        materialize(resolved, tmp_path)
    assert bad in err.value.message
    assert (
        "this-package-does-not-exist-basalt" in err.value.message.split("\n", 1)[1]
    )  # uv's output
    leftovers = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []


def test_requested_python_picks_that_interpreter(tmp_path: Path) -> None:
    interpreter, warning = find_python("3.10")
    if warning:
        pytest.skip(warning)
    resolved = resolve(
        EnvironmentSpec(conda_file={"dependencies": ["python=3.10", "pip", {"pip": ["six"]}]})
    )
    got = materialize(resolved, tmp_path)
    proc = run_in(got.python, "import sys, six; print('%d.%d' % sys.version_info[:2])")
    assert proc.stdout.strip() == "3.10", proc.stderr
    assert json.loads((got.root / MARKER).read_text())["interpreter"] == str(interpreter)  # type: ignore[operator]


def test_tracking_overlay_makes_basalt_importable_only_with_the_variable(tmp_path: Path) -> None:
    overlay = tracking_overlay(tmp_path)
    assert overlay is not None
    assert overlay.name.startswith("_overlay-py3.11-")
    assert tracking_overlay(tmp_path) == overlay  # built once
    got = materialize(SIX, tmp_path)
    assert got.root is not None
    assert len(list(got.root.glob(f"lib/python*/site-packages/{TRACKING_PTH}"))) == 1

    code = "import basalt, httpx, pydantic, six, basalt.tracking; print(basalt.__file__)"
    with_var = run_in(got.python, code, {"BASALT_TRACKING_PATH": str(overlay)})
    assert with_var.returncode == 0, with_var.stderr
    assert with_var.stdout.startswith(str(overlay))

    without = run_in(got.python, "import basalt")
    assert without.returncode != 0
    assert "No module named 'basalt'" in without.stderr


def test_remove_deletes_one_env(tmp_path: Path) -> None:
    got = materialize(SIX, tmp_path)
    assert remove(tmp_path, got.key) is True
    assert not (tmp_path / got.key).exists()
    assert remove(tmp_path, got.key) is False
    assert materialize(SIX, tmp_path).built  # rebuilt after removal
