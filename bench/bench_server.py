"""The server as a user runs it (a real ``basalt server start`` subprocess), and import weight.

Figures:
- ``server_startup_to_healthz``: from spawning ``basalt --workspace DIR server start --port N``
  (on a workspace made by ``basalt init``) to the first 200 from ``/healthz``; median of 5.
  Target: under 2 s.
- ``server_idle_rss``: resident memory of that process one second after it answered.
  Target: under 250 MB.
- ``ingest_http_log_batch``: ``basalt.Client(url=...)`` sending batches of 1,000 points to the
  server over HTTP (one connection, one request at a time); the batches are built before the
  clock starts. Target: 50,000 points/s.
- ``import_basalt`` and ``import_basalt_tracking``: wall time of ``python -c 'import ...'`` in a
  fresh process, median of 7, next to a bare ``python -c pass``. Target: 150 ms for
  ``import basalt``.

Every child process runs with bytecode caching on, after an untimed warm-up run (see
``_util.child_env``).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import Server, child_env, init_workspace, row, workspace  # noqa: E402

STARTS = 5
IMPORT_RUNS = 7
HTTP_POINTS = 200_000
BATCH = 1000
STARTUP_TARGET_S = 2.0
RSS_TARGET_MB = 250.0
HTTP_TARGET = 50_000.0
IMPORT_TARGET_MS = 150.0
MLFLOW_SERVER_NOTE = (
    "MLflow 3.17's server answers /healthz 25 to 76 s after start and holds about 2.7 GB "
    "at startup (reference, not measured here)"
)


def _startup(root: Path) -> tuple[list[float], float]:
    """Startup seconds of each spawn, and the idle RSS (MB) after the last one."""
    with Server(root):  # warm-up: writes bytecode caches, warms the page cache
        pass
    times = []
    rss = float("nan")
    for i in range(STARTS):
        with Server(root) as server:
            times.append(server.startup_s)
            if i == STARTS - 1:
                time.sleep(1.0)
                rss = server.rss_mb()
    return times, rss


def _keepalive_ms(url: str) -> list[float]:
    """Round trips of ``GET /healthz`` on one kept-alive connection, in ms."""
    import httpx

    times = []
    with httpx.Client(base_url=url) as http:
        http.get("/healthz")
        for _ in range(10):
            began = time.perf_counter()
            http.get("/healthz")
            times.append((time.perf_counter() - began) * 1000)
    return times


def _nodelay_hint(keepalive_ms: list[float]) -> str:
    """A diagnosis when kept-alive requests stall on delayed ACKs (about 40 ms each)."""
    if statistics.median(keepalive_ms) < 20:
        return ""
    return (
        f"; every kept-alive request waits ~{statistics.median(keepalive_ms):.0f} ms (see "
        "server_healthz_keepalive_round_trip): the listening socket was made without "
        "IPPROTO_TCP (socket.create_server), so asyncio does not set TCP_NODELAY on accepted "
        "connections and each response's second segment waits for the client's delayed ACK"
    )


def _http_ingest(root: Path) -> tuple[float, list[float]]:
    """Points per second over HTTP (best of two passes on one server), keep-alive round trips."""
    from basalt.client.client import Client
    from basalt.spec.runs import LogBatch, MetricPoint, RunCreate

    rnd = random.Random(5)
    base = 1_764_000_000_000
    batches = [
        LogBatch(
            metrics=[
                MetricPoint(key="loss", value=rnd.random(), step=i, timestamp=base + i)
                for i in range(start, start + BATCH)
            ]
        )
        for start in range(0, HTTP_POINTS, BATCH)
    ]
    rates = []
    with Server(root) as server, Client(url=server.url) as client:
        keepalive = _keepalive_ms(server.url)
        for _ in range(2):
            run = client.jobs.create_run(RunCreate(experiment_name="bench-http"))
            client.jobs.log_batch(run.name, batches[0])  # warm-up: connection, caches
            began = time.perf_counter()
            for batch in batches[1:]:
                client.jobs.log_batch(run.name, batch)
            rates.append((HTTP_POINTS - BATCH) / (time.perf_counter() - began))
            total = client.jobs.get_metric_history(run.name, "loss", max_points=2).total_points
            assert total == HTTP_POINTS, total
    return max(rates), keepalive


def _import_ms(code: str) -> list[float]:
    cmd = [sys.executable, "-c", code]
    env = child_env()
    subprocess.run(cmd, env=env, check=True)  # warm-up: bytecode caches
    times = []
    for _ in range(IMPORT_RUNS):
        began = time.perf_counter()
        subprocess.run(cmd, env=env, check=True)
        times.append((time.perf_counter() - began) * 1000)
    return times


def run() -> list[dict[str, Any]]:
    """Measure the server and import figures; see the module docstring."""
    out: list[dict[str, Any]] = []
    with workspace() as tmp:
        root = tmp / "served"
        init_workspace(root)
        times, rss = _startup(root)
        startup = statistics.median(times)
        out.append(
            row(
                "server_startup_to_healthz",
                round(startup, 2),
                "s",
                f"< {STARTUP_TARGET_S:g} s",
                baseline=25.0,
                baseline_name="MLflow 3.17 /healthz, 25 s at best, reference (ratio = x faster)",
                ratio=round(25.0 / startup, 1),
                notes=(
                    f"spawn to first 200 of /healthz, median of {STARTS} "
                    f"(all: {', '.join(f'{t:.2f}' for t in times)}); " + MLFLOW_SERVER_NOTE
                ),
            )
        )
        out.append(
            row(
                "server_idle_rss",
                round(rss, 1),
                "MB",
                f"< {RSS_TARGET_MB:g} MB",
                baseline=2700.0,
                baseline_name="MLflow 3.17 at startup, reference (ratio = x smaller)",
                ratio=round(2700.0 / rss, 1),
                notes="RSS (psutil) of the server process 1 s after its first /healthz answer",
            )
        )
        http_root = tmp / "http"
        init_workspace(http_root)
        http_rate, keepalive = _http_ingest(http_root)
        out.append(
            row(
                "ingest_http_log_batch",
                round(http_rate),
                "points/s",
                f">= {HTTP_TARGET:,.0f} points/s",
                baseline=2800.0,
                baseline_name="MLflow 3.17 log_batch, reference (ratio = x faster)",
                ratio=round(http_rate / 2800.0, 1),
                notes=(
                    f"{HTTP_POINTS:,} points in batches of {BATCH} built before timing, "
                    "basalt.Client(url=...) against a `basalt server start` subprocess on "
                    "SQLite, one request at a time; best of 2" + _nodelay_hint(keepalive)
                ),
            )
        )
        out.append(
            row(
                "server_healthz_keepalive_round_trip",
                round(statistics.median(keepalive), 2),
                "ms",
                "info",
                notes=(
                    "GET /healthz on one kept-alive connection, median of 10 (all: "
                    + ", ".join(f"{t:.1f}" for t in keepalive)
                    + "); about 40 ms means the server's sockets lack TCP_NODELAY and each "
                    "response waits for the client's delayed ACK"
                ),
            )
        )

    bare = _import_ms("pass")
    for module, target in (("basalt", True), ("basalt.tracking", False)):
        times = _import_ms(f"import {module}")
        median = statistics.median(times)
        out.append(
            row(
                f"import_{module.replace('.', '_')}",
                round(median, 1),
                "ms",
                f"< {IMPORT_TARGET_MS:g} ms" if target else "info",
                baseline=round(statistics.median(bare), 1),
                baseline_name="python -c pass (interpreter start alone)",
                notes=(
                    f"wall time of `python -c 'import {module}'` in a fresh process, median "
                    f"of {IMPORT_RUNS} (all: {', '.join(f'{t:.0f}' for t in times)})"
                ),
            )
        )
    return out


if __name__ == "__main__":
    for r in run():
        print(r)
