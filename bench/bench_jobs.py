"""Jobs: submission to first line, cached environments, a cold build, and 100 tiny jobs.

Figures (issue 3):
- ``create`` returning → the user's command running its first line, with a cached environment
  and a small code folder: median of 20 jobs; target < 0.5 s. Baseline: starting the same
  command with ``subprocess.Popen`` from Python (what no scheduler at all would cost).
- Rebuilds of a cached environment across those 20 jobs: target 0.
- A cold build of a scikit-learn + pandas environment with uv, and plain ``python -m venv`` +
  ``pip install`` of the same set in the same run (ratio = pip / uv).
- 100 tiny jobs through a 2-slot local compute: jobs per minute, and the scheduler's overhead
  per job (wall time x slots / jobs, minus the command's own run time).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _util import child_env, row, workspace

JOBS = 20
TINY = 100
SLOTS = 2
SKLEARN = ["scikit-learn==1.5.2", "pandas==2.2.3"]


def _client(root: Path) -> Any:
    from basalt.client.client import Client

    return Client(path=root)


def _wait(client: Any, names: list[str], timeout: float = 600) -> list[Any]:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        for name in list(pending):
            if client.jobs.get(name).status.is_terminal():
                pending.discard(name)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} jobs did not end")
        time.sleep(0.05)
    return [client.jobs.get(n) for n in names]


def _first_line(root: Path) -> tuple[list[float], int, list[float], list[float]]:
    from basalt import command

    code = root / "code"
    code.mkdir()
    (code / "train.py").write_text("print('training')\n")
    stamp_dir = root / "stamps"
    stamp_dir.mkdir()
    client = _client(root)
    env = {"pip_requirements": ["six==1.17.0"]}  # a real venv built with uv, then cached
    warm = client.jobs.create_or_update(
        command(code=str(code), command="python train.py", environment=env)
    )
    _wait(client, [warm.name])
    latencies = []
    creates = []
    names = []
    for i in range(JOBS):
        stamp = stamp_dir / f"{i}.txt"
        job = command(
            code=str(code),
            command=f"date +%s.%N > {stamp}; python train.py",
            environment=env,
        )
        called = time.time()
        run = client.jobs.create_or_update(job)
        returned = time.time()
        creates.append(returned - called)
        names.append(run.name)
        _wait(client, [run.name])
        latencies.append(float(stamp.read_text()) - returned)
    rebuilds = sum(
        "environment built" in client.jobs.logs(n, max_bytes=1 << 20).text for n in names
    )
    baseline = []
    for i in range(JOBS):
        stamp = stamp_dir / f"b{i}.txt"
        began = time.time()
        subprocess.run(["/bin/sh", "-c", f"date +%s.%N > {stamp}"], check=True)
        baseline.append(float(stamp.read_text()) - began)
    client.close()
    return latencies, rebuilds, baseline, creates


def _cold_builds() -> tuple[float, float]:
    from basalt.environments import materialize
    from basalt.environments.resolve import ResolvedEnvironment

    with tempfile.TemporaryDirectory(prefix="basalt-bench-env-") as tmp:
        resolved = ResolvedEnvironment(python=None, requirements=tuple(SKLEARN), host_python=False)
        began = time.perf_counter()
        materialize(resolved, Path(tmp) / "cache")
        uv_s = time.perf_counter() - began
        began = time.perf_counter()
        venv = Path(tmp) / "pipvenv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", *SKLEARN],
            check=True,
            env=child_env(),
        )
        pip_s = time.perf_counter() - began
    return uv_s, pip_s


def _tiny_jobs(root: Path) -> tuple[float, float]:
    from basalt import command
    from basalt.spec.compute import ComputeCreate

    client = _client(root)
    client.compute.create_or_update(ComputeCreate(name="two", max_concurrent_jobs=SLOTS))
    began = time.monotonic()
    names = [
        client.jobs.create_or_update(
            command(command="true", environment={"image": "python:3.11"}, compute="two")
        ).name
        for _ in range(TINY)
    ]
    runs = _wait(client, names)
    wall = time.monotonic() - began
    client.close()
    busy = [
        (r.end_time - r.start_time).total_seconds() for r in runs if r.start_time and r.end_time
    ]
    per_job = wall * SLOTS / TINY
    overhead = per_job - statistics.mean(busy) if busy else per_job
    return TINY / wall * 60, overhead


def run() -> list[dict[str, Any]]:
    """The jobs figures."""
    from _util import init_workspace

    out = []
    with workspace() as root:
        shutil.rmtree(root)
        init_workspace(root)
        latencies, rebuilds, baseline, creates = _first_line(root)
    med, base = statistics.median(latencies), statistics.median(baseline)
    out.append(
        row(
            "job create → first line of the command (cached env, small code)",
            med,
            "s",
            "< 0.5 s",
            baseline=base,
            baseline_name="subprocess.Popen of the same command",
            ratio=med / base if base else None,
            notes=f"median of {JOBS}; p90 {sorted(latencies)[int(JOBS * 0.9) - 1]:.3f} s",
        )
    )
    out.append(
        row(
            "job create call itself (validate, snapshot, queue, claim, prepare, start runner)",
            statistics.median(creates),
            "s",
            "info",
            notes=f"median of {JOBS}, in-process SDK",
        )
    )
    out.append(
        row(
            f"environment rebuilds across {JOBS} jobs on a cached environment",
            rebuilds,
            "builds",
            "<= 0 builds",
        )
    )
    uv_s, pip_s = _cold_builds()
    out.append(
        row(
            "cold build of a scikit-learn + pandas environment (uv)",
            uv_s,
            "s",
            "info",
            baseline=pip_s,
            baseline_name="python -m venv + pip install, same set",
            ratio=pip_s / uv_s,
            notes="package caches of uv and pip as this machine has them",
        )
    )
    with workspace() as root:
        shutil.rmtree(root)
        init_workspace(root)
        per_minute, overhead = _tiny_jobs(root)
    out.append(
        row(
            f"{TINY} tiny jobs through a {SLOTS}-slot local compute", per_minute, "jobs/min", "info"
        )
    )
    out.append(
        row(
            "scheduler overhead per job (runner start, status changes, log upload)",
            overhead,
            "s",
            "info",
        )
    )
    return out
