"""Data collection: a deployment's requests and answers, kept for monitors, off the hot path.

A deployment with ``data_collector.collections.model_inputs.enabled: 'True'`` (and/or
``model_outputs``) has the gateway put each request body (and/or answer body) in a bounded
in-memory queue; ``daemons/serving_flush.py`` writes what is queued every few seconds as
JSON lines to the workspace's default datastore (``DataCollectionService.write``), one new
file per flush and collection, in folders per hour:

    modelDataCollector/<endpoint>/<deployment>/<collection>/YYYY/MM/DD/HH/<uuid>.jsonl

Nothing here can fail a request: a full queue drops the record (counted in telemetry as
``collection_dropped``), and so does a write that fails (logged once per flush).

Decision: collection happens in the gateway, for every deployment, scoring script or not
(Azure collects automatically only for no-code models and asks scoring scripts to call
``azureml.ai.monitoring.Collector``); the record is the request or answer body as sent.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

COLLECTIONS = ("model_inputs", "model_outputs")
"""What can be collected: the request body (inputs) and the answer body (outputs)."""
QUEUE_LIMIT = 50_000
"""Records held in memory at most; more are dropped until a flush makes room."""


@dataclass(frozen=True)
class CollectionSettings:
    """A deployment's ``data_collector``, parsed.

    Attributes:
        inputs: Collect request bodies (``model_inputs``).
        outputs: Collect answer bodies (``model_outputs``).
        sampling_rate: The share of requests collected (0-1).
    """

    inputs: bool = False
    outputs: bool = False
    sampling_rate: float = 1.0

    @property
    def enabled(self) -> bool:
        """Whether anything is collected."""
        return (self.inputs or self.outputs) and self.sampling_rate > 0

    def sampled(self) -> bool:
        """Whether this request is collected (``sampling_rate`` of them are)."""
        return self.sampling_rate >= 1 or random.random() < self.sampling_rate  # noqa: S311


def collection_settings(data_collector: dict[str, Any] | None) -> CollectionSettings:
    """Parse Azure's ``data_collector`` block (``enabled`` may be a bool or ``'True'``)."""
    if not data_collector:
        return CollectionSettings()
    collections = data_collector.get("collections") or {}

    def enabled(name: str) -> bool:
        entry = collections.get(name) if isinstance(collections, dict) else None
        value = entry.get("enabled", False) if isinstance(entry, dict) else False
        return value is True or str(value).strip().lower() == "true"

    both = enabled("model_inputs_outputs")
    try:
        rate = float(data_collector.get("sampling_rate", 1.0))
    except (TypeError, ValueError):
        rate = 1.0
    return CollectionSettings(
        inputs=both or enabled("model_inputs"),
        outputs=both or enabled("model_outputs"),
        sampling_rate=min(1.0, max(0.0, rate)),
    )


@dataclass(frozen=True)
class CollectedRecord:
    """One request's input or output, as the gateway saw it."""

    workspace: str
    endpoint: str
    deployment: str
    collection: str
    time: float
    request_id: str
    content_type: str
    body: bytes


class CollectionQueue:
    """Records waiting to be written; bounded, thread-safe, never blocks the caller."""

    def __init__(self, limit: int = QUEUE_LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._records: deque[CollectedRecord] = deque()

    def put(self, record: CollectedRecord) -> bool:
        """Queue a record; False (dropped) when the queue is full."""
        with self._lock:
            if len(self._records) >= self._limit:
                return False
            self._records.append(record)
            return True

    def take(self, limit: int = 10_000) -> list[CollectedRecord]:
        """Up to ``limit`` queued records, oldest first (removed from the queue)."""
        with self._lock:
            count = min(limit, len(self._records))
            return [self._records.popleft() for _ in range(count)]

    def __len__(self) -> int:
        return len(self._records)
