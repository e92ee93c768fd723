"""Latency histograms: buckets, percentiles within a bucket of the truth, exact merging."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from basalt.spec.telemetry import MetricsCounters, bucket_bound, bucket_of, percentile


def _hist(values: list[float]) -> dict[str, int]:
    buckets: dict[str, int] = {}
    for v in values:
        key = str(bucket_of(v))
        buckets[key] = buckets.get(key, 0) + 1
    return buckets


def test_a_value_falls_in_the_bucket_whose_bound_it_does_not_exceed() -> None:
    for value in (0.07, 0.5, 1.0, 1.01, 3.3, 250.0, 12_345.0):
        index = bucket_of(value)
        assert bucket_bound(index - 1) < value <= bucket_bound(index) * (1 + 1e-9)
    assert bucket_of(0) == bucket_of(-1) == bucket_of(1e-9)  # the lowest bucket
    assert bucket_of(float("inf")) == bucket_of(1e12)  # the highest


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99])
def test_percentiles_are_within_one_bucket_of_the_exact_value(q: float) -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(1.0, 1.2) for _ in range(20_000)]
    exact = sorted(values)[int(q * len(values)) - 1]
    estimate = percentile(_hist(values), q)
    assert estimate is not None
    assert exact / 1.19 <= estimate <= exact * 1.19


def test_no_counts_no_percentile() -> None:
    assert percentile({}, 0.5) is None


def test_counts_of_two_gateways_add_up_exactly() -> None:
    minute = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def counts(values: list[float], status: str) -> MetricsCounters:
        return MetricsCounters(
            workspace="w",
            endpoint="e",
            deployment="d",
            minute=minute,
            requests=len(values),
            status_counts={status: len(values)},
            latency_ms_sum=sum(values),
            latency_buckets=_hist(values),
            mirror_requests=4,
            mirror_agreed=3,
            mirror_latency_delta_ms_sum=2.0,
        )

    a, b = counts([1.0, 2.0, 3.0], "200"), counts([4.0, 100.0], "500")
    a.add(b)
    point = a.point(minute)
    assert point.requests == 5
    assert point.status_counts == {"200": 3, "500": 2}
    assert point.errors == 2
    assert point.latency_ms_mean == pytest.approx(22.0)
    assert a.latency_buckets == _hist([1.0, 2.0, 3.0, 4.0, 100.0])
    assert point.mirror.requests == 8
    assert point.mirror.agreement_rate == 0.75
    assert point.mirror.latency_delta_ms_mean == pytest.approx(0.5)
