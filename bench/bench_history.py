"""The history of one metric with 1,000,000 points, read through the SDK (SQLite and PostgreSQL).

One run logs 1,000,000 points of ``loss`` (steps 0..999,999, a noisy decaying curve with one
NaN in 10,000) through ``client.jobs.log_batch`` in batches of 1,000. Timed, each the median of
5 calls after a warm-up:

- ``history_full_1m_<db>``: ``client.jobs.get_metric_history(run, "loss")``, every point.
  Target: under 1 s.
- ``history_downsampled_1m_<db>``: the same with ``max_points=1000`` (min and max of 500 step
  buckets). Target: under 100 ms.
- ``history_full_100k_sqlite``: every point of a 100,000-point metric, next to MLflow's
  figure for that size (15 s).

The SQLite figures use an embedded workspace (in-process transport); the PostgreSQL ones a
client whose settings name a fresh database as the store.
"""

from __future__ import annotations

import math
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import median_time, pg_available, pg_database, row, workspace  # noqa: E402

POINTS = 1_000_000
SMALL = 100_000
BATCH = 1000
REPEATS = 5
FULL_TARGET_S = 1.0
DOWNSAMPLED_TARGET_MS = 100.0
MLFLOW_100K_S = 15.0
MLFLOW_NOTE = (
    "MLflow 3.17 returns the 100,000-point history of one metric in about 15 s "
    "(reference, not measured here)"
)


def _load(client: Any, run_name: str, key: str, n: int) -> float:
    """Log ``n`` points of ``key``; returns the seconds it took."""
    from basalt.spec.runs import LogBatch, MetricPoint

    rnd = random.Random(11)
    base = 1_764_000_000_000
    construct = MetricPoint.model_construct
    began = time.perf_counter()
    for start in range(0, n, BATCH):
        metrics = [
            construct(
                key=key,
                value=math.nan
                if i % 10_000 == 9_999
                else 2.0 * math.exp(-i / 200_000) + rnd.random() * 0.1,
                step=i,
                timestamp=base + i,
            )
            for i in range(start, min(start + BATCH, n))
        ]
        client.jobs.log_batch(run_name, LogBatch.model_construct(metrics=metrics))
    return time.perf_counter() - began


def _measure(client: Any, backend: str, *, small: bool) -> list[dict[str, Any]]:
    from basalt.spec.runs import RunCreate

    out: list[dict[str, Any]] = []
    run = client.jobs.create_run(RunCreate(experiment_name="bench-history"))
    load_s = _load(client, run.name, "loss", POINTS)

    def full() -> Any:
        series = client.jobs.get_metric_history(run.name, "loss")
        assert len(series.steps) == POINTS
        assert series.total_points == POINTS
        return series

    def downsampled() -> Any:
        series = client.jobs.get_metric_history(run.name, "loss", max_points=1000)
        assert series.downsampled
        assert len(series.steps) <= 1000
        assert series.total_points == POINTS
        return series

    full_s, full_all = median_time(full, REPEATS)
    ds_s, ds_all = median_time(downsampled, REPEATS)
    loaded = f"{POINTS:,} points loaded through the SDK in {load_s:.1f} s"
    out.append(
        row(
            f"history_full_1m_{backend}",
            round(full_s, 3),
            "s",
            f"< {FULL_TARGET_S:g} s",
            notes=(
                f"every point of a 1,000,000-point metric, median of {REPEATS} "
                f"(all: {', '.join(f'{t:.2f}' for t in full_all)}); {loaded}"
            ),
        )
    )
    out.append(
        row(
            f"history_downsampled_1m_{backend}",
            round(ds_s * 1000, 1),
            "ms",
            f"< {DOWNSAMPLED_TARGET_MS:g} ms",
            notes=(
                f"max_points=1000 over 1,000,000 points, median of {REPEATS} "
                f"(all: {', '.join(f'{t * 1000:.0f}' for t in ds_all)})"
            ),
        )
    )
    if small:
        run = client.jobs.create_run(RunCreate(experiment_name="bench-history"))
        _load(client, run.name, "loss", SMALL)

        def full_small() -> Any:
            series = client.jobs.get_metric_history(run.name, "loss")
            assert len(series.steps) == SMALL
            return series

        small_s, _ = median_time(full_small, REPEATS)
        out.append(
            row(
                f"history_full_100k_{backend}",
                round(small_s * 1000, 1),
                "ms",
                f"< {FULL_TARGET_S * 1000:g} ms",
                baseline=MLFLOW_100K_S * 1000,
                baseline_name="MLflow 3.17, reference (ratio = times faster)",
                ratio=round(MLFLOW_100K_S / small_s),
                notes=f"every point of a 100,000-point metric, median of {REPEATS}; " + MLFLOW_NOTE,
            )
        )
    return out


def run() -> list[dict[str, Any]]:
    """Measure the history figures on SQLite, then on PostgreSQL when it is reachable."""
    from basalt.client.client import Client
    from basalt.config import load_settings

    out: list[dict[str, Any]] = []
    with workspace() as root, Client(settings=load_settings(root)) as client:
        out += _measure(client, "sqlite", small=True)
    if pg_available():
        with workspace() as root, pg_database() as url:
            settings = load_settings(root, store={"url": url})
            with Client(settings=settings) as client:
                out += _measure(client, "postgresql", small=False)
    return out


if __name__ == "__main__":
    for r in run():
        print(r)
