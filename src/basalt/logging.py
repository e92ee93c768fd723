"""``configure_logging``: called only by entry points (CLI, server, daemons)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from basalt.config import LoggingSettings


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "workspace", "run"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data)


def configure_logging(settings: LoggingSettings) -> None:
    """Send the ``basalt`` loggers to stderr as text or JSON lines at the configured level."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("basalt")
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
