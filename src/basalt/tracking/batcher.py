"""Background batching of metric points: one thread, bounded batches, flush on demand."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# (key, value, step, timestamp_ms)
Point = tuple[str, float, int, int]


@dataclass
class Pending:
    """What waits to be sent for one run."""

    points: list[Point] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.points or self.params or self.tags)


class Batcher:
    """Buffers logged values and sends them from a background thread.

    Args:
        send: Sends one batch (points, params, tags) and returns when it is stored.
        batch_size: Points per batch.
        interval: Seconds between background flushes.
    """

    def __init__(
        self,
        send: Callable[[list[Point], dict[str, str], dict[str, str]], None],
        *,
        batch_size: int = 1000,
        interval: float = 1.0,
    ) -> None:
        self._send = send
        self._batch_size = batch_size
        self._interval = interval
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._pending = Pending()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="basalt-batcher", daemon=True)
        self._thread.start()

    def add_points(self, points: list[Point]) -> None:
        """Queue metric points; a full batch wakes the sender."""
        self._raise_pending_error()
        with self._lock:
            before = len(self._pending.points)
            self._pending.points.extend(points)
            # Wake the sender once, when the batch fills, not on every later call.
            full = before < self._batch_size <= len(self._pending.points)
        if full:
            self._wake.set()

    def add_params(self, params: dict[str, str]) -> None:
        """Queue params (sent with the next batch)."""
        with self._lock:
            self._pending.params.update(params)

    def add_tags(self, tags: dict[str, str]) -> None:
        """Queue tags (sent with the next batch)."""
        with self._lock:
            self._pending.tags.update(tags)

    def flush(self) -> None:
        """Send everything queued now; raise the error of a failed background send, if any."""
        self._drain()
        self._raise_pending_error()

    def close(self) -> None:
        """Flush and stop the background thread."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self.flush()

    def _take(self) -> Pending:
        with self._lock:
            pending, self._pending = self._pending, Pending()
        return pending

    def _drain(self) -> None:
        # NOTE: one sender at a time, so batches of one run arrive in the order they were logged.
        with self._send_lock:
            pending = self._take()
            if not pending:
                return
            points = pending.points
            first = True
            for start in range(0, max(len(points), 1), self._batch_size):
                chunk = points[start : start + self._batch_size]
                params = pending.params if first else {}
                tags = pending.tags if first else {}
                try:
                    if chunk or params or tags:
                        self._send(chunk, params, tags)
                except BaseException:
                    self._requeue(points[start:], params, tags)
                    raise
                first = False

    def _requeue(self, points: list[Point], params: dict[str, str], tags: dict[str, str]) -> None:
        # Unsent values go back to the front, so a later flush retries them in order.
        with self._lock:
            self._pending.points[:0] = points
            self._pending.params = {**params, **self._pending.params}
            self._pending.tags = {**tags, **self._pending.tags}

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self._drain()
            except BaseException as exc:  # kept and raised at the next call in the main thread
                logger.warning("sending logged values failed: %s", exc)
                self._error = exc

    def _raise_pending_error(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err
