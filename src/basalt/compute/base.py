"""What every compute driver provides: launch a job's runner, and say whether it still lives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class RunnerHandle:
    """Where a job's runner process lives, recorded on the run so a later pass can check it."""

    pid: int
    host: str
    started: float  # the process's create time (epoch seconds), so a reused pid is not mistaken


class ComputeDriver(Protocol):
    """Starts runners for one kind of compute target."""

    def launch_runner(
        self, workspace: str, run_name: str, env: dict[str, str], job_dir: Path | None = None
    ) -> RunnerHandle:
        """Start the detached runner of one job; return at once."""
        ...

    def runner_alive(self, handle: RunnerHandle) -> bool | None:
        """True or False when this driver can tell, None when it cannot (another host)."""
        ...

    def kill_orphan(self, handle: RunnerHandle, job_pid: int) -> None:
        """Kill the process group of a job whose runner died (where this driver can reach it)."""
        ...
