"""Counting what the gateway and supervisor of one serving host do, in memory.

The gateway counts every scoring request (status, latency), the mirror comparison and data
collection; the supervisor counts worker restarts. Two views of the same counts:

- per minute, drained every few seconds by ``daemons/serving_flush.py`` into the store
  (``DeploymentMetricsService.add``), which is what ``get_metrics`` reads;
- since the process started, for ``GET /metrics`` in Prometheus' text format.

Recording is a lock and a few dict updates (the gateway calls it on every request).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from basalt.spec.telemetry import (
    BUCKETS_PER_DOUBLING,
    MetricsCounters,
    bucket_bound,
    bucket_of,
)

Key = tuple[str, str, str]
"""(workspace, endpoint, deployment)"""

PROMETHEUS_BOUNDS = list(range(-4 * BUCKETS_PER_DOUBLING, 15 * BUCKETS_PER_DOUBLING, 4))
"""Bucket indexes used as ``le`` bounds: the powers of two from 1/16 ms to 16 s."""


@dataclass
class _Totals:
    """Counts since the process started (Prometheus counters never go down)."""

    status_counts: dict[int, int] = field(default_factory=dict)
    latency_s_sum: float = 0.0
    buckets: dict[int, int] = field(default_factory=dict)
    worker_restarts: int = 0
    mirror_requests: int = 0
    mirror_agreed: int = 0
    mirror_errors: int = 0
    collected: int = 0
    collection_dropped: int = 0


class Telemetry:
    """Per-deployment counters of one serving host; thread-safe.

    Args:
        clock: Seconds since the epoch (a test may pass its own).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._minutes: dict[tuple[Key, int], MetricsCounters] = {}
        self._totals: dict[Key, _Totals] = {}

    # --- recording -----------------------------------------------------------------------

    def request(self, key: Key, status: int, latency_ms: float) -> None:
        """One scoring request answered (by a worker or by the gateway itself)."""
        bucket = bucket_of(latency_ms)
        with self._lock:
            c = self._minute(key)
            c.requests += 1
            code = str(status)
            c.status_counts[code] = c.status_counts.get(code, 0) + 1
            c.latency_ms_sum += latency_ms
            b = str(bucket)
            c.latency_buckets[b] = c.latency_buckets.get(b, 0) + 1
            t = self._total(key)
            t.status_counts[status] = t.status_counts.get(status, 0) + 1
            t.latency_s_sum += latency_ms / 1000
            t.buckets[bucket] = t.buckets.get(bucket, 0) + 1

    def restart(self, key: Key) -> None:
        """A worker of the deployment exited and will be restarted."""
        with self._lock:
            self._minute(key).worker_restarts += 1
            self._total(key).worker_restarts += 1

    def mirror(self, key: Key, *, agreed: bool, error: bool, delta_ms: float) -> None:
        """One mirrored request compared with its live answer (``key``: the shadow)."""
        with self._lock:
            c = self._minute(key)
            c.mirror_requests += 1
            c.mirror_agreed += int(agreed)
            c.mirror_errors += int(error)
            c.mirror_latency_delta_ms_sum += delta_ms
            t = self._total(key)
            t.mirror_requests += 1
            t.mirror_agreed += int(agreed)
            t.mirror_errors += int(error)

    def collection(self, key: Key, *, written: int = 0, dropped: int = 0) -> None:
        """Records data collection wrote, or had to drop."""
        with self._lock:
            c = self._minute(key)
            c.collected += written
            c.collection_dropped += dropped
            t = self._total(key)
            t.collected += written
            t.collection_dropped += dropped

    # --- reading -------------------------------------------------------------------------

    def drain(self) -> list[MetricsCounters]:
        """Every per-minute count recorded since the last drain (then forgotten here)."""
        with self._lock:
            drained = list(self._minutes.values())
            self._minutes.clear()
        return drained

    def restore(self, counters: Iterable[MetricsCounters]) -> None:
        """Put back counts a flush could not store, so the next flush carries them."""
        with self._lock:
            for c in counters:
                key = ((c.workspace, c.endpoint, c.deployment), int(c.minute.timestamp()) // 60)
                current = self._minutes.get(key)
                if current is None:
                    self._minutes[key] = c
                else:
                    current.add(c)

    def workspaces(self) -> set[str]:
        """The workspaces with counts since start."""
        with self._lock:
            return {key[0] for key in self._totals}

    def prometheus(self, visible: Callable[[str], bool] = lambda _ws: True) -> str:
        """The counters since start in Prometheus' text format (workspaces ``visible`` only)."""
        with self._lock:
            totals = {k: _copy(t) for k, t in self._totals.items() if visible(k[0])}
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")

        family("basalt_endpoint_requests_total", "counter", "Scoring requests by status.")
        for key, t in sorted(totals.items()):
            for status, count in sorted(t.status_counts.items()):
                lines.append(
                    f'basalt_endpoint_requests_total{{{_labels(key)},status="{status}"}} {count}'
                )
        family(
            "basalt_endpoint_request_duration_seconds",
            "histogram",
            "Scoring latency through the gateway.",
        )
        for key, t in sorted(totals.items()):
            labels = _labels(key)
            for index in PROMETHEUS_BOUNDS:
                count = sum(c for b, c in t.buckets.items() if b <= index)
                le = _number(bucket_bound(index) / 1000)
                lines.append(
                    f'basalt_endpoint_request_duration_seconds_bucket{{{labels},le="{le}"}} {count}'
                )
            total = sum(t.buckets.values())
            lines.append(
                f'basalt_endpoint_request_duration_seconds_bucket{{{labels},le="+Inf"}} {total}'
            )
            lines.append(
                f"basalt_endpoint_request_duration_seconds_sum{{{labels}}} "
                f"{_number(t.latency_s_sum)}"
            )
            lines.append(f"basalt_endpoint_request_duration_seconds_count{{{labels}}} {total}")
        for name, attr, help_text in _COUNTERS:
            family(name, "counter", help_text)
            for key, t in sorted(totals.items()):
                lines.append(f"{name}{{{_labels(key)}}} {getattr(t, attr)}")
        return "\n".join(lines) + "\n"

    # --- helpers -------------------------------------------------------------------------

    def _minute(self, key: Key) -> MetricsCounters:
        minute = int(self._clock()) // 60
        counters = self._minutes.get((key, minute))
        if counters is None:
            counters = self._minutes[(key, minute)] = MetricsCounters(
                workspace=key[0],
                endpoint=key[1],
                deployment=key[2],
                minute=datetime.fromtimestamp(minute * 60, UTC),
            )
        return counters

    def _total(self, key: Key) -> _Totals:
        totals = self._totals.get(key)
        if totals is None:
            totals = self._totals[key] = _Totals()
        return totals


_COUNTERS = [
    ("basalt_endpoint_worker_restarts_total", "worker_restarts", "Worker processes restarted."),
    (
        "basalt_endpoint_mirror_requests_total",
        "mirror_requests",
        "Mirrored requests compared with the live answer (labels: the shadow deployment).",
    ),
    (
        "basalt_endpoint_mirror_agreed_total",
        "mirror_agreed",
        "Mirrored requests whose answer matched the live one.",
    ),
    (
        "basalt_endpoint_mirror_errors_total",
        "mirror_errors",
        "Mirrored requests the shadow failed where the live deployment did not.",
    ),
    ("basalt_endpoint_collected_total", "collected", "Records written by data collection."),
    (
        "basalt_endpoint_collection_dropped_total",
        "collection_dropped",
        "Records data collection dropped (queue full or datastore unreachable).",
    ),
]


def _copy(t: _Totals) -> _Totals:
    return _Totals(
        dict(t.status_counts),
        t.latency_s_sum,
        dict(t.buckets),
        t.worker_restarts,
        t.mirror_requests,
        t.mirror_agreed,
        t.mirror_errors,
        t.collected,
        t.collection_dropped,
    )


def _labels(key: Key) -> str:
    ws, endpoint, deployment = (_escape(v) for v in key)
    return f'workspace="{ws}",endpoint="{endpoint}",deployment="{deployment}"'


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value))
