"""The server's loop collects garbage every ``server.gc_interval_s`` seconds (0: never)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest


def _services(workspace_dir: Path, interval: float) -> Any:
    from basalt.config import load_settings
    from basalt.services.container import Services

    settings = load_settings(workspace_dir)
    server = settings.server.model_copy(update={"gc_interval_s": interval, "gc_grace_period_s": 0})
    return Services(settings.model_copy(update={"server": server}))


def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.mark.parametrize(("interval", "collected"), [(0.05, True), (0, False)], ids=["on", "off"])
def test_gc_tick(workspace_dir: Path, interval: float, collected: bool) -> None:
    from basalt.daemons.scheduler import SchedulerLoop

    services = _services(workspace_dir, interval)
    services.artifacts.put_bytes("workspaces/default/runs/ghost/x.log", b"x")
    loop = SchedulerLoop(services, interval=3600)
    loop.start()
    try:
        gone = _wait_for(
            lambda: not services.artifacts.list("workspaces/default/runs/ghost", recursive=True),
            timeout=5 if collected else 0.3,
        )
    finally:
        loop.stop()
        services.close()
    assert gone is collected
