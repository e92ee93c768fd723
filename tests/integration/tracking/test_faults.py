"""Tracking survives what scripts do: crash, get SIGTERM or SIGKILL, log from many processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from basalt.client.client import Client
from basalt.spec.runs import RunCreate, RunStatus


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    return path


def _spawn(script: Path, workspace: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASALT_")}
    env["BASALT_WORKSPACE"] = str(workspace)
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if line == "" and proc.poll() is not None:
            raise AssertionError(
                f"process ended early: {proc.stderr.read() if proc.stderr else ''}"
            )
    raise AssertionError(f"no line starting with {prefix!r} within {timeout}s")


def _count(workspace: Path, run: str, key: str | None = None) -> int:
    with Client(path=workspace) as client:
        try:
            return client.jobs.get_metric_history(run, key or "x").total_points
        except Exception:
            return 0


def test_uncaught_exception_fails_the_run_with_traceback_and_keeps_points(tmp_path, workspace_dir):
    script = _script(
        tmp_path,
        """
        import basalt
        run = basalt.start_run(experiment_name="faults")
        print("run", run.name, flush=True)
        for i in range(5000):
            basalt.log_metric("x", i, step=i)
        raise RuntimeError("boom in user code")
        """,
    )
    proc = _spawn(script, workspace_dir)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "boom in user code" in err
    name = out.split()[1]
    with Client(path=workspace_dir) as client:
        run = client.jobs.get(name)
        assert run.status == RunStatus.FAILED
        assert run.error is not None
        assert "boom in user code" in (run.error.traceback or "")
        assert client.jobs.get_metric_history(name, "x").total_points == 5000


def test_sigterm_flushes_and_ends_the_run(tmp_path, workspace_dir):
    script = _script(
        tmp_path,
        """
        import time, basalt
        run = basalt.start_run()
        for i in range(3000):
            basalt.log_metric("x", i, step=i)
        print("ready", run.name, flush=True)
        time.sleep(120)
        """,
    )
    proc = _spawn(script, workspace_dir)
    name = _wait_for_line(proc, "ready").split()[1]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    with Client(path=workspace_dir) as client:
        assert client.jobs.get(name).status == RunStatus.CANCELED
        # Logged but not yet flushed when the signal came: still stored.
        assert client.jobs.get_metric_history(name, "x").total_points == 3000


def test_sigkill_leaves_a_clean_store_with_every_acknowledged_batch(tmp_path, workspace_dir):
    script = _script(
        tmp_path,
        """
        import basalt
        run = basalt.start_run()
        print("run", run.name, flush=True)
        step = 0
        while True:
            for _ in range(500):
                basalt.log_metric("x", step, step=step)
                step += 1
            basalt.flush()
            print("acked", step, flush=True)
        """,
    )
    proc = _spawn(script, workspace_dir)
    name = _wait_for_line(proc, "run").split()[1]
    acked = 0
    while acked < 20_000:
        acked = int(_wait_for_line(proc, "acked").split()[1])
    proc.kill()
    proc.wait(timeout=30)
    db = workspace_dir / ".basalt" / "basalt.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = _count(workspace_dir, name)
    assert stored >= acked
    assert stored % 500 == 0  # whole batches only: a batch is one transaction


@pytest.mark.slow
def test_many_processes_store_every_point_exactly_once(tmp_path, workspace_dir):
    """8 processes log to one shared run and 8 to runs of their own, at the same time."""
    with Client(path=workspace_dir) as client:
        shared = client.jobs.create_run(RunCreate(experiment_name="concurrency")).name
    script = _script(
        tmp_path,
        """
        import sys, basalt
        from basalt.client.client import Client
        from basalt.spec.runs import LogBatch, MetricPoint, RunCreate
        shared, worker, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        client = Client()
        if shared == "-":
            shared = client.jobs.create_run(RunCreate(experiment_name="concurrency")).name
        print("run", shared, flush=True)
        for start in range(0, n, 250):
            points = [
                MetricPoint(key=f"w{worker}", value=float(i), step=i, timestamp=i)
                for i in range(start, min(start + 250, n))
            ]
            client.jobs.log_batch(shared, LogBatch(metrics=points))
        print("done", flush=True)
        """,
    )
    per_process = 2_000
    procs = [_spawn(script, workspace_dir, shared, str(w), str(per_process)) for w in range(8)]
    procs += [_spawn(script, workspace_dir, "-", str(w), str(per_process)) for w in range(8)]
    own_runs = []
    for i, proc in enumerate(procs):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        if i >= 8:
            own_runs.append((out.split()[1], i - 8))
    with Client(path=workspace_dir) as client:
        for w in range(8):
            series = client.jobs.get_metric_history(shared, f"w{w}")
            assert series.total_points == per_process
            assert series.steps == list(range(per_process))
        for name, w in own_runs:
            assert client.jobs.get_metric_history(name, f"w{w}").total_points == per_process


def test_inside_a_job_start_run_attaches_to_the_jobs_run(tmp_path, workspace_dir):
    """The runner sets BASALT_RUN_NAME; the script logs to that run and leaves its status."""
    with Client(path=workspace_dir) as client:
        job = client.jobs.create_run(RunCreate(experiment_name="jobs", spec={"command": "x"}))
    script = _script(
        tmp_path,
        """
        import basalt
        with basalt.start_run(experiment_name="ignored") as run:
            basalt.log_metric("x", 1.0)
        print("run", run.name, flush=True)
        """,
    )
    env_extra = {"BASALT_RUN_NAME": job.name}
    proc = subprocess.run(
        [sys.executable, str(script)],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BASALT_")},
            "BASALT_WORKSPACE": str(workspace_dir),
            **env_extra,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[1] == job.name
    with Client(path=workspace_dir) as client:
        got = client.jobs.get(job.name)
        assert got.metrics == {"x": 1.0}
        assert got.status == RunStatus.RUNNING  # the runner, not the script, ends a job's run
        assert [e.name for e in client.experiments.list()] == ["jobs"]
