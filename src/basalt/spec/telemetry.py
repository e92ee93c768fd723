"""Serving telemetry: what a deployment did, per minute, and how latency is bucketed.

Latencies are counted in a sparse log-scale histogram: bucket ``i`` holds values up to
``2 ** (i / 4)`` ms (each bucket is 19% wider than the one before), from 1/16 ms up to about
18 minutes. Histograms merge by addition, so the counts of several gateways (server replicas)
and of several minutes combine exactly, and a percentile read from them is within one bucket
(≤ 19%) of the true value. Prometheus' ``le`` bounds are the powers of two among them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from pydantic import Field

from basalt.spec.common import Entity, SpecModel

BUCKETS_PER_DOUBLING = 4
MIN_BUCKET = -16  # 2 ** (-16 / 4) = 1/16 ms: everything faster lands here
MAX_BUCKET = 80  # 2 ** 20 ms ≈ 17.5 minutes: everything slower lands here


def bucket_of(ms: float) -> int:
    """The histogram bucket of a latency in milliseconds."""
    if ms <= 0 or not math.isfinite(ms):
        return MIN_BUCKET if ms <= 0 else MAX_BUCKET
    index = math.ceil(math.log2(ms) * BUCKETS_PER_DOUBLING - 1e-9)
    return max(MIN_BUCKET, min(MAX_BUCKET, index))


def bucket_bound(index: int) -> float:
    """The upper bound (ms) of bucket ``index``."""
    return float(2.0 ** (index / BUCKETS_PER_DOUBLING))


def merge_buckets(into: dict[str, int], other: Mapping[str, int]) -> dict[str, int]:
    """Add ``other``'s counts into ``into`` (keys are bucket indexes as strings, for JSON)."""
    for key, count in other.items():
        into[key] = into.get(key, 0) + count
    return into


def percentile(buckets: Mapping[str, int], q: float) -> float | None:
    """The ``q`` quantile (0-1) in ms, interpolated inside its bucket; None with no counts."""
    items = sorted((int(k), c) for k, c in buckets.items() if c > 0)
    total = sum(c for _, c in items)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in items:
        if seen + count >= rank:
            low = 0.0 if index == MIN_BUCKET else bucket_bound(index - 1)
            high = bucket_bound(index)
            share = (rank - seen) / count
            return round(low + (high - low) * share, 3)
        seen += count
    return round(bucket_bound(items[-1][0]), 3)


class MirrorStats(Entity):
    """How a mirrored (shadow) deployment's answers compared with the live ones."""

    requests: int = Field(0, description="Mirrored requests whose answers were compared.")
    agreed: int = Field(0, description="Same status and the same JSON answer (floats ≈).")
    errors: int = Field(
        0, description="The shadow failed (or answered non-2xx) where live did not."
    )
    agreement_rate: float | None = Field(None, description="agreed / requests.")
    latency_delta_ms_mean: float | None = Field(
        None, description="Mean of shadow minus live latency (negative: the shadow is faster)."
    )


class MetricsPoint(Entity):
    """One minute (or the whole window, for totals) of one deployment's serving."""

    minute: datetime | None = Field(None, description="Start of the minute (UTC); None: totals.")
    requests: int = 0
    status_counts: dict[str, int] = Field(default_factory=dict, description="By HTTP status.")
    errors: int = Field(0, description="Answers with a status of 500 or more.")
    latency_ms_mean: float | None = None
    latency_ms_p50: float | None = None
    latency_ms_p90: float | None = None
    latency_ms_p99: float | None = None
    worker_restarts: int = 0
    mirror: MirrorStats = Field(default_factory=MirrorStats)
    collected: int = Field(0, description="Records written by data collection.")
    collection_dropped: int = Field(0, description="Records data collection had to drop.")


class DeploymentMetrics(Entity):
    """``get_metrics``: per-minute points of one deployment (oldest first) and their totals."""

    endpoint_name: str
    deployment_name: str
    since: datetime
    until: datetime
    points: list[MetricsPoint] = Field(default_factory=list)
    total: MetricsPoint = Field(default_factory=MetricsPoint)


COUNT_FIELDS = (
    "requests",
    "status_counts",
    "latency_ms_sum",
    "latency_buckets",
    "worker_restarts",
    "mirror_requests",
    "mirror_agreed",
    "mirror_errors",
    "mirror_latency_delta_ms_sum",
    "collected",
    "collection_dropped",
)
"""The fields of ``MetricsCounters`` that are sums (dicts add per key); the store's
``deployment_metrics`` columns have the same names."""


class MetricsCounters(SpecModel):
    """What one gateway counted for one deployment in one minute (added into the store)."""

    workspace: str
    endpoint: str
    deployment: str
    minute: datetime
    requests: int = 0
    status_counts: dict[str, int] = Field(default_factory=dict)
    latency_ms_sum: float = 0.0
    latency_buckets: dict[str, int] = Field(default_factory=dict)
    worker_restarts: int = 0
    mirror_requests: int = 0
    mirror_agreed: int = 0
    mirror_errors: int = 0
    mirror_latency_delta_ms_sum: float = 0.0
    collected: int = 0
    collection_dropped: int = 0

    def add(self, other: MetricsCounters) -> None:
        """Add ``other``'s counts into this one (same deployment and minute)."""
        for name in COUNT_FIELDS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, dict):
                merge_buckets(mine, theirs)
            else:
                setattr(self, name, mine + theirs)

    def point(self, minute: datetime | None) -> MetricsPoint:
        """The user-facing view of these counts."""
        return MetricsPoint(
            minute=minute,
            requests=self.requests,
            status_counts=dict(sorted(self.status_counts.items())),
            errors=sum(c for s, c in self.status_counts.items() if int(s) >= 500),
            latency_ms_mean=(
                round(self.latency_ms_sum / self.requests, 3) if self.requests else None
            ),
            latency_ms_p50=percentile(self.latency_buckets, 0.50),
            latency_ms_p90=percentile(self.latency_buckets, 0.90),
            latency_ms_p99=percentile(self.latency_buckets, 0.99),
            worker_restarts=self.worker_restarts,
            mirror=MirrorStats(
                requests=self.mirror_requests,
                agreed=self.mirror_agreed,
                errors=self.mirror_errors,
                agreement_rate=(
                    round(self.mirror_agreed / self.mirror_requests, 4)
                    if self.mirror_requests
                    else None
                ),
                latency_delta_ms_mean=(
                    round(self.mirror_latency_delta_ms_sum / self.mirror_requests, 3)
                    if self.mirror_requests
                    else None
                ),
            ),
            collected=self.collected,
            collection_dropped=self.collection_dropped,
        )
