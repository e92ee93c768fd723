"""The loops of ``basalt server start``: a scheduler pass every few seconds, and gc.

Garbage collection runs every ``server.gc_interval_s`` seconds (0: off). In embedded mode
there is no loop: a pass runs after each submission and at the end of each runner, which is
enough to start every queued job and to notice dead runners; ``basalt gc`` collects on demand.
"""

from __future__ import annotations

import logging
import threading

from basalt.errors import BasaltError
from basalt.services.container import Services

logger = logging.getLogger(__name__)


class SchedulerLoop:
    """Runs ``services.job_runs.schedule_pass()`` every ``interval`` seconds in a thread.

    When ``services.settings.server.gc_interval_s`` is above 0, a second thread runs
    ``services.gc.collect()`` that often (first after one interval). Several servers on one
    store may all run it: the collector's store-wide lock lets one collect at a time.
    """

    def __init__(self, services: Services, interval: float) -> None:
        self.services = services
        self.interval = interval
        self.gc_interval = services.settings.server.gc_interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="basalt-scheduler", daemon=True)
        self._gc_thread = threading.Thread(target=self._gc_loop, name="basalt-gc", daemon=True)

    def start(self) -> None:
        """Start the loop (and the collection loop, unless it is off)."""
        self._thread.start()
        if self.gc_interval > 0:
            self._gc_thread.start()

    def stop(self) -> None:
        """Stop the loops and wait for the pass in progress."""
        self._stop.set()
        self._thread.join(timeout=10)
        if self._gc_thread.is_alive():
            self._gc_thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.services.job_runs.schedule_pass()
            except BasaltError as exc:
                logger.warning("scheduler pass failed: %s", exc)
            except Exception:
                logger.exception("scheduler pass failed")

    def _gc_loop(self) -> None:
        while not self._stop.wait(self.gc_interval):
            try:
                self.services.gc.collect()
            except BasaltError as exc:
                logger.warning("garbage collection failed: %s", exc)
            except Exception:
                logger.exception("garbage collection failed")
