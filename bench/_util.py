"""Helpers shared by the benchmarks: result rows, timing, workspaces, databases, servers."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BASALT_CLI = VENV_BIN / "basalt"
PG_ADMIN = os.environ.get("BASALT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def row(
    name: str,
    value: float,
    unit: str,
    target: str,
    *,
    baseline: float | None = None,
    baseline_name: str | None = None,
    ratio: float | None = None,
    passed: bool | None = None,
    notes: str = "",
) -> dict[str, Any]:
    """One result row in the harness contract (``passed`` None: judged from ``target``)."""
    out: dict[str, Any] = {
        "name": name,
        "value": value,
        "unit": unit,
        "target": target,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        "notes": notes,
    }
    if passed is not None:
        out["passed"] = passed
    return out


def median_time(
    fn: Callable[[], Any], repeats: int, *, warmup: int = 1
) -> tuple[float, list[float]]:
    """Median seconds of ``fn()`` over ``repeats`` timed calls, after ``warmup`` untimed ones.

    The result of each call is dropped outside the timed region, so freeing a large result is
    never charged to the next call.
    """
    for _ in range(warmup):
        result = fn()
        del result
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
        del result
    return statistics.median(times), times


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python: no BASALT_* leaking in, bytecode caching allowed.

    NOTE: some shells (CI images, this sandbox) set PYTHONDONTWRITEBYTECODE, which makes every
    process compile every module again; an installed package has its .pyc files, so startup
    figures are taken with caching on, after one untimed warm-up run that writes them.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASALT_", "MLFLOW_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    """An empty embedded workspace folder (``.basalt`` created), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="basalt-bench-") as tmp:
        root = Path(tmp) / "ws"
        (root / ".basalt").mkdir(parents=True)
        yield root


def pg_available() -> bool:
    """True when the PostgreSQL server of the benchmarks answers."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database; yields its SQLAlchemy URL and drops it afterwards."""
    import psycopg

    name = f"basalt_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def init_workspace(path: Path) -> None:
    """``basalt init PATH``, as a user would run it."""
    subprocess.run(
        [str(BASALT_CLI), "init", str(path)],
        check=True,
        env=child_env(),
        stdout=subprocess.DEVNULL,
    )


class Server:
    """``basalt --workspace DIR server start --port N`` as a real subprocess (uvicorn).

    Attributes:
        url: Base URL once started.
        startup_s: Seconds from spawning the process to the first 200 of ``/healthz``.
    """

    def __init__(self, workspace_dir: Path) -> None:
        self.workspace_dir = workspace_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = float("nan")

    def start(self, timeout: float = 60.0) -> Server:
        """Spawn the server and wait (polling every 5 ms) until ``/healthz`` answers 200."""
        import httpx

        cmd = [
            str(BASALT_CLI),
            "--workspace",
            str(self.workspace_dir),
            "server",
            "start",
            "--port",
            str(self.port),
        ]
        began = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            env=child_env(BASALT_SERVER__AUTH="none"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        with httpx.Client(timeout=1.0) as http:
            while time.perf_counter() - began < timeout:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"server exited with {self.proc.returncode}: {err}")
                try:
                    if http.get(f"{self.url}/healthz").status_code == 200:
                        self.startup_s = time.perf_counter() - began
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {timeout} s")

    def rss_mb(self) -> float:
        """Resident memory of the server process (and any children), in MB."""
        import psutil

        assert self.proc is not None
        proc = psutil.Process(self.proc.pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total / 1e6

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
