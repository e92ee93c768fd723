"""Every few seconds, store what the serving host counted and collected.

One thread per serving host (``basalt serve``, ``basalt server start``): it drains the
routing table's telemetry (per-minute counts, added into the store) and its data-collection
queue (written as files to the default datastore). Neither ever reaches the request path: a
store that cannot be written keeps the counts for the next try, and collected records that
cannot be written are dropped and counted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from basalt.serving.collection import CollectedRecord
from basalt.serving.routing import RoutingTable
from basalt.spec.telemetry import MetricsCounters

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 2.0
"""How often counts and collected records leave memory (what ``get_metrics`` may lag by)."""
MAX_PENDING_MINUTES = 10_000
"""Per-minute counts kept while the store cannot be written; older ones are then dropped."""

Key = tuple[str, str, str]


class MetricsSink(Protocol):
    """Where per-minute counts go (``DeploymentMetricsService``)."""

    def add(self, batch: Sequence[MetricsCounters]) -> int:
        """Add counts into the store."""
        ...


class CollectionSink(Protocol):
    """Where collected records go (``DataCollectionService``)."""

    def write(self, records: Sequence[CollectedRecord]) -> tuple[dict[Key, int], dict[Key, int]]:
        """Write records; (written, dropped) per deployment."""
        ...


class ServingFlusher:
    """The flush thread of one serving host.

    Args:
        routing: The host's routing table (its ``telemetry`` and ``collection``).
        metrics: The metrics store.
        collection: The collected-records writer.
        interval: Seconds between flushes.
    """

    def __init__(
        self,
        routing: RoutingTable,
        metrics: MetricsSink,
        collection: CollectionSink,
        interval: float = FLUSH_INTERVAL_S,
    ) -> None:
        self.routing = routing
        self.metrics = metrics
        self.collection = collection
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start flushing in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="basalt-serving-flush", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, after one last flush (what was counted before a shutdown is kept)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()

    def flush(self) -> None:
        """Write collected records, then counts (so the collection counts go out at once)."""
        self._flush_collection()
        self._flush_metrics()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # never let the thread die: the next pass tries again
                logger.exception("serving telemetry flush failed")

    def _flush_collection(self) -> None:
        telemetry = self.routing.telemetry
        while records := self.routing.collection.take():
            written, dropped = self.collection.write(records)
            for key, count in written.items():
                telemetry.collection(key, written=count)
            for key, count in dropped.items():
                telemetry.collection(key, dropped=count)

    def _flush_metrics(self) -> None:
        telemetry = self.routing.telemetry
        batch = telemetry.drain()
        if not batch:
            return
        try:
            self.metrics.add(batch)
        except Exception as exc:
            logger.warning("could not store serving metrics (%s); keeping them for later", exc)
            telemetry.restore(batch[-MAX_PENDING_MINUTES:])
