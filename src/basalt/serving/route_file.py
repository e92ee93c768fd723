"""The routing table shared through a file, for ``basalt server start --workers N`` (N > 1).

The deployment supervisor runs in the parent process, the gateways in N uvicorn worker
processes. The parent writes its table to ``<deployments dir>/routes.json`` on every change
(atomically: a temporary file renamed over it); each worker process follows the file,
reading it again when its modification time changes (checked every ``FOLLOW_INTERVAL_S``).
A route change reaches the workers' gateways within that interval.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from basalt.serving.routing import RoutingTable

logger = logging.getLogger(__name__)

ROUTE_FILE = "routes.json"
FOLLOW_INTERVAL_S = 0.1


class RouteFileWriter:
    """``RoutingTable.on_change``: writes the table to ``path`` after each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, table: RoutingTable) -> None:
        """Write the table (a temporary file renamed over the old one)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(table.to_json()), encoding="utf-8")
            tmp.replace(self.path)


def follow(table: RoutingTable, path: Path, interval: float = FOLLOW_INTERVAL_S) -> threading.Event:
    """Keep ``table`` equal to the routes in ``path``, in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        seen: int | None = None
        while not stop.wait(interval):
            try:
                stamp = path.stat().st_mtime_ns
            except FileNotFoundError:
                stamp = 0
            if stamp == seen:
                continue
            seen = stamp
            try:
                routes = json.loads(path.read_text(encoding="utf-8")) if stamp else []
            except (OSError, ValueError) as exc:  # a torn read cannot happen (rename), but
                logger.warning("cannot read %s: %s", path, exc)  # a foreign file can
                seen = None
                continue
            table.replace_all(routes)

    threading.Thread(target=loop, name="basalt-route-follow", daemon=True).start()
    return stop
