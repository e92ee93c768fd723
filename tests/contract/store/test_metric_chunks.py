"""Chunked metric storage returns what per-point storage returned (history and downsampling)."""

from __future__ import annotations

import math
import random

import pytest

from basalt.services.container import Services
from basalt.services.runs import downsample_min_max
from basalt.spec.runs import LogBatch, MetricPoint, RunCreate


def _reference(points, max_points):
    # per-point semantics: sort by (step, ts, logging order), then bucket in memory
    order = sorted(range(len(points)), key=lambda i: (points[i][1], points[i][2], i))
    steps = [points[i][1] for i in order]
    stamps = [points[i][2] for i in order]
    values = [points[i][0] for i in order]
    if max_points is None or len(steps) <= max_points:
        return steps, stamps, values
    return downsample_min_max(steps, stamps, values, max_points // 2)


def _same(a, b):
    return len(a) == len(b) and all(
        (x != x and y != y) or (x == y and math.copysign(1, x) == math.copysign(1, y))
        for x, y in zip(a, b, strict=False)
    )


def _values(rnd, n, kind):
    pool = [0.0, -0.0, 1.0, 1.0, 2.5, math.inf, -math.inf, math.nan]
    if kind == "random":
        return [rnd.random() for _ in range(n)]
    if kind == "ties":
        return [rnd.choice(pool) for _ in range(n)]
    if kind == "nan-runs":
        return [math.nan if (i // 37) % 3 == 0 else rnd.choice(pool) for i in range(n)]
    return [math.nan] * n


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def svc(request, tmp_path, settings):
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"url": url})}
        )
    s = Services(settings)
    yield s
    s.close()


CASES = [
    # (n, batch, step pattern, value kind)
    (3000, 1000, "inc", "random"),
    (3000, 700, "inc", "ties"),
    (2500, 333, "inc-dup", "nan-runs"),
    (2000, 500, "shuffled", "ties"),
    (2000, 2000, "zero", "random"),
    (1500, 250, "inc", "all-nan"),
    (2600, 600, "restart", "random"),
    (3000, 1000, "gaps", "ties"),
    (1000, 1000, "negative", "nan-runs"),
]


@pytest.mark.parametrize(
    ("n", "batch", "pattern", "kind"), CASES, ids=[f"{c[2]}-{c[3]}-{c[1]}" for c in CASES]
)
def test_history_and_downsample_match_per_point_semantics(svc, n, batch, pattern, kind):
    rnd = random.Random(hash((n, batch, pattern, kind)) & 0xFFFF)
    values = _values(rnd, n, kind)
    if pattern == "inc":
        steps = list(range(n))
    elif pattern == "inc-dup":
        steps = [i // 3 for i in range(n)]
    elif pattern == "shuffled":
        steps = list(range(n))
        rnd.shuffle(steps)
    elif pattern == "zero":
        steps = [0] * n
    elif pattern == "restart":
        steps = [i % 1000 for i in range(n)]
    elif pattern == "gaps":
        steps = [i * 7 + (i // 100) * 1000 for i in range(n)]
    else:
        steps = [i - 500 for i in range(n)]
    stamps = [10_000 + (i // 2) for i in range(n)]
    if pattern == "shuffled":
        stamps = [rnd.randrange(5) for _ in range(n)]
    points = list(zip(values, steps, stamps, strict=False))
    run = svc.runs.create_run("default", RunCreate())
    for s in range(0, n, batch):
        mp = [
            MetricPoint(key="m", value=v, step=st, timestamp=t)
            for v, st, t in points[s : s + batch]
        ]
        # interleave a second key so batches hold several keys
        mp += [MetricPoint(key="other", value=1.0, step=i, timestamp=1) for i in range(3)]
        svc.runs.log_batch("default", run.name, LogBatch(metrics=mp))
    for max_points in (None, 2, 3, 10, 101, 400, 1000, n - 1, n, n + 5):
        series = svc.runs.get_metric_history("default", run.name, "m", max_points)
        rs, rt, rv = _reference(points, max_points)
        assert series.total_points == n
        assert series.steps == rs, max_points
        assert series.timestamps == rt, max_points
        assert _same(series.values, rv), max_points
        assert series.downsampled == (max_points is not None and n > max_points)
