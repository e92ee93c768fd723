"""The webhook loop of ``basalt server start``: sends due deliveries every second.

A thread of its own, so a slow receiver (up to the 5 s timeout per attempt) never delays the
job scheduler. Several servers on one store may all run it: each attempt is claimed first.
"""

from __future__ import annotations

import logging
import threading

from basalt.errors import BasaltError
from basalt.services.container import Services

logger = logging.getLogger(__name__)

INTERVAL_S = 1.0


class WebhookLoop:
    """Runs ``services.webhooks.deliver_due()`` every ``interval`` seconds in a thread."""

    def __init__(self, services: Services, interval: float = INTERVAL_S) -> None:
        self.services = services
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="basalt-webhooks", daemon=True)

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
                self.services.webhooks.deliver_due()
            except BasaltError as exc:
                logger.warning("webhook delivery pass failed: %s", exc)
            except Exception:
                logger.exception("webhook delivery pass failed")
