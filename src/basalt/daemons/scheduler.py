"""The scheduler loop of ``basalt server start``: a pass every few seconds.

In embedded mode there is no loop: a pass runs after each submission and at the end of each
runner, which is enough to start every queued job and to notice dead runners.
"""

from __future__ import annotations

import logging
import threading

from basalt.errors import BasaltError
from basalt.services.container import Services

logger = logging.getLogger(__name__)


class SchedulerLoop:
    """Runs ``services.job_runs.schedule_pass()`` every ``interval`` seconds in a thread."""

    def __init__(self, services: Services, interval: float) -> None:
        self.services = services
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="basalt-scheduler", daemon=True)

    def start(self) -> None:
        """Start the loop."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and wait for the pass in progress."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.services.job_runs.schedule_pass()
            except BasaltError as exc:
                logger.warning("scheduler pass failed: %s", exc)
            except Exception:
                logger.exception("scheduler pass failed")
