"""End-to-end fixtures: the real ``basalt`` executable, ``basalt server start``, and helpers.

Everything runs as a user would: separate processes, a temporary folder as the current
directory, no ``BASALT_*`` variables unless a test sets them. Tests reach the helpers through
the ``e2e`` fixture (the suite runs with ``--import-mode=importlib``, so test modules cannot
import from here).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

BIN = Path(sys.executable).parent
BASALT = BIN / "basalt"
COLUMNS = 120  # the terminal width the table tests read the output at
SERVER_START_TIMEOUT = 30.0


def user_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no BASALT_* or MLFLOW_* variables, a 120-column terminal.

    Also drops PYTHONDONTWRITEBYTECODE, which sandboxes set: a user's Python caches bytecode,
    and without the cache every ``basalt`` process spends seconds compiling SQLAlchemy.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BASALT_", "MLFLOW_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    # NOTE: keep a developer's ~/.config/basalt/config.toml (from 'basalt login') out of tests.
    env["XDG_CONFIG_HOME"] = str(Path(__file__).parent / "no-user-config")
    env["COLUMNS"] = str(COLUMNS)
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def _not_json(constant: str) -> Any:
    raise AssertionError(f"{constant} is not JSON; non-finite numbers must be strings")


@dataclass
class Result:
    """What one command did."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """Stdout parsed as strict JSON (it must hold nothing else; no NaN literals)."""
        return json.loads(self.stdout, parse_constant=_not_json)

    def __str__(self) -> str:
        return (
            f"basalt {' '.join(self.args)} -> {self.returncode}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


def basalt(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, expect: int | None = 0
) -> Result:
    """Run ``basalt ARGS`` in ``cwd``; check its exit code unless ``expect`` is None."""
    argv = [str(a) for a in args]
    proc = subprocess.run(
        [str(BASALT), *argv],
        cwd=cwd,
        env=env or user_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = Result(argv, proc.returncode, proc.stdout, proc.stderr)
    if expect is not None:
        assert result.returncode == expect, str(result)
    return result


def in_parallel(*calls: Callable[[], Result]) -> list[Result]:
    """Run independent commands at the same time (each is a process); results in order.

    Each ``basalt`` process spends about a second importing; running the independent ones of
    a test together keeps the suite fast without weakening any check.
    """
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def assert_one_error_line(result: Result, *needles: str) -> str:
    """The command failed with exit 1 and exactly one ``error:`` line, no traceback."""
    assert result.returncode == 1, str(result)
    assert "Traceback" not in result.stderr, str(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, str(result)
    assert lines[0].startswith("error: "), str(result)
    for needle in needles:
        assert needle in lines[0], str(result)
    return lines[0]


def run_python(script: str, *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a Python script as a user's training script would run; return its stdout."""
    path = cwd / "train.py"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(path)],
        cwd=cwd,
        env=env or user_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


# The script a user would write: two runs in two experiments, with params, metrics and a file.
TRAIN_SCRIPT = """
    import pathlib
    import basalt

    out = pathlib.Path("out")
    out.mkdir(exist_ok=True)
    (out / "model.txt").write_text("weights")
    (out / "plots").mkdir(exist_ok=True)
    (out / "plots" / "loss.csv").write_text("step,loss\\n0,1.0\\n")
    for experiment, lr, best in [("mnist", 0.1, 0.8), ("cifar", 0.01, 0.9)]:
        with basalt.start_run(experiment_name=experiment, display_name=f"lr={lr}") as run:
            basalt.log_param("lr", lr)
            for step in range(10):
                basalt.log_metric("loss", 1.0 / (step + 1), step=step)
                basalt.log_metric("accuracy", best - (9 - step) / 20, step=step)
            basalt.log_artifact(out / "model.txt", "outputs")
            basalt.log_artifact(out / "plots", "outputs")
            if experiment == "mnist":
                basalt.log_metric("grad_norm", float("nan"))
            print(run.name, flush=True)
"""


@dataclass
class LoggedWorkspace:
    """A workspace made with ``basalt init`` holding two finished runs."""

    root: Path
    mnist_run: str  # older, accuracy 0.8, grad_norm NaN
    cifar_run: str  # newer, accuracy 0.9

    def basalt(self, *args: str | Path, expect: int | None = 0, **kw: Any) -> Result:
        """Run ``basalt`` with the workspace as current folder."""
        return basalt(*args, cwd=self.root, expect=expect, **kw)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A ``basalt server start`` process."""

    url: str
    workspace: Path  # cwd of the server (a workspace, or an empty folder with --store)
    artifacts: Path | None
    log: Path

    def output(self) -> str:
        """What the server printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Started:
    proc: subprocess.Popen[bytes]
    server: LiveServer


def start_server(
    cwd: Path, log: Path, *extra: str, artifacts: Path | None = None, auth: str = "none"
) -> Started:
    """``basalt server start`` on a free port; authentication off unless ``auth="token"``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [str(BASALT), "server", "start", "--port", str(port), *extra],
            cwd=cwd,
            env=user_env(BASALT_SERVER__AUTH=auth),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )

    def healthy() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"basalt server start exited with {proc.returncode}: {log.read_text()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(healthy, SERVER_START_TIMEOUT, f"basalt server on {url}")
    except BaseException:
        stop_server(proc)
        raise
    return Started(proc, LiveServer(url, cwd, artifacts, log))


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


class E2E:
    """The helpers, as attributes of the ``e2e`` fixture."""

    BASALT = BASALT
    COLUMNS = COLUMNS
    TRAIN_SCRIPT = TRAIN_SCRIPT
    basalt = staticmethod(basalt)
    user_env = staticmethod(user_env)
    in_parallel = staticmethod(in_parallel)
    assert_one_error_line = staticmethod(assert_one_error_line)
    run_python = staticmethod(run_python)
    wait_for = staticmethod(wait_for)
    stop_server = staticmethod(stop_server)
    start_server = staticmethod(start_server)
    free_port = staticmethod(free_port)


@pytest.fixture(scope="session")
def e2e() -> type[E2E]:
    """Helpers to run ``basalt`` and scripts as a user would, and to check what they print."""
    return E2E


@pytest.fixture(scope="module")
def logged_workspace(tmp_path_factory: pytest.TempPathFactory) -> LoggedWorkspace:
    """``basalt init`` plus a training script that logs two runs (shared by a test module)."""
    root = tmp_path_factory.mktemp("project")
    basalt("init", cwd=root)
    names = run_python(TRAIN_SCRIPT, cwd=root).split()
    assert len(names) == 2, names
    return LoggedWorkspace(root, mnist_run=names[0], cifar_run=names[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``basalt server start --port PORT`` on a fresh ``basalt init`` workspace; yields it."""
    root = tmp_path_factory.mktemp("server-ws")
    basalt("init", cwd=root)
    started = start_server(root, root / "server.log")
    try:
        yield started.server
    finally:
        stop_server(started.proc)


@pytest.fixture
def live_pg_server(pg_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """``basalt server start --store <PostgreSQL> --artifacts <folder>`` outside any workspace."""
    cwd = tmp_path / "nowhere"
    cwd.mkdir()
    artifacts = tmp_path / "artifacts"
    started = start_server(
        cwd,
        tmp_path / "server.log",
        "--store",
        pg_url,
        "--artifacts",
        str(artifacts),
        artifacts=artifacts,
    )
    try:
        yield started.server
    finally:
        stop_server(started.proc)
