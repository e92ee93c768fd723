"""One scoring worker process as the supervisor keeps it: start, probe, restart, stop.

``ManagedWorker`` wraps ``python serving/worker.py`` for one instance of one deployment
generation. It never blocks for long: every method is a step the supervisor's loop takes on
each pass (see ``daemons/deployments.py``).
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from basalt.serving import worker as worker_script
from basalt.serving.routing import WorkerSlot

WORKER_PATH = Path(worker_script.__file__).resolve()
"""Started as a script path with the environment's Python (which has no Basalt)."""
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
"""Waits before restarting a worker that exited, by consecutive failure."""
STABLE_S = 10.0
"""A worker ready this long has its backoff reset when it next exits."""
STOP_GRACE_S = 10.0
"""How long a stopped worker may finish its requests before SIGKILL."""


class WorkerState(StrEnum):
    """Where a managed worker is."""

    STARTING = "starting"
    READY = "ready"
    WAITING = "waiting"  # exited; restarts at ``restart_at``
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(frozen=True)
class WorkerLaunch:
    """What every instance of one deployment generation is started with."""

    python: str
    script: str
    code_dir: Path
    log_dir: Path
    run_dir: Path
    env: dict[str, str]
    deployment: str
    generation: int


class ManagedWorker:
    """Instance ``index`` of a deployment generation."""

    def __init__(self, launch: WorkerLaunch, index: int) -> None:
        self.launch = launch
        self.index = index
        self.state = WorkerState.STOPPED
        self.proc: subprocess.Popen[bytes] | None = None
        self.slot: WorkerSlot | None = None
        self.failures = 0
        self.init_failures = 0
        self.last_exit: int | None = None
        self.restart_at = 0.0
        self.started_at = 0.0
        self.ready_at = 0.0
        self.kill_at = 0.0
        self.next_live = 0.0
        self.live_failures = 0
        self.log_path = launch.log_dir / f"worker-{index}.log"
        self._port_file = launch.run_dir / f".worker-{index}.port"

    def start(self) -> None:
        """Start the process (its console appended to ``worker-<i>.log``)."""
        self.launch.log_dir.mkdir(parents=True, exist_ok=True)
        self._port_file.unlink(missing_ok=True)
        with self.log_path.open("ab") as log:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            log.write(
                f"[basalt] {stamp} starting worker {self.index} of "
                f"{self.launch.deployment} (generation {self.launch.generation})\n".encode()
            )
            log.flush()
            self.proc = subprocess.Popen(
                [
                    self.launch.python,
                    str(WORKER_PATH),
                    "--script",
                    self.launch.script,
                    "--port-file",
                    str(self._port_file),
                    "--parent-pid",
                    str(os.getpid()),
                ],
                cwd=self.launch.code_dir,
                env=self.launch.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C on `basalt serve` is the supervisor's to handle
                close_fds=True,
            )
        self.state = WorkerState.STARTING
        self.started_at = time.monotonic()
        self.slot = None

    def port(self) -> int | None:
        """The port the worker listens on, once it has written it."""
        try:
            return int(self._port_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def probe(self, path: str, timeout: float) -> bool:
        """Whether ``GET path`` answers 200 within ``timeout`` seconds."""
        port = self.slot_port()
        if port is None:
            return False
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", path)
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def slot_port(self) -> int | None:
        """The port, from the slot when ready, else from the port file."""
        if self.slot is not None:
            return int(self.slot.url.rsplit(":", 1)[1])
        return self.port()

    def mark_ready(self) -> WorkerSlot:
        """Record readiness; the slot the gateway routes to."""
        port = self.port()
        assert port is not None
        self.state = WorkerState.READY
        self.ready_at = time.monotonic()
        self.init_failures = 0
        self.live_failures = 0
        self.slot = WorkerSlot(
            url=f"http://127.0.0.1:{port}",
            deployment=self.launch.deployment,
            generation=self.launch.generation,
            index=self.index,
        )
        return self.slot

    def exited(self) -> int | None:
        """The exit status when the process has exited (state moves to WAITING), else None."""
        if self.proc is None or self.state in (WorkerState.WAITING, WorkerState.STOPPED):
            return None
        code = self.proc.poll()
        if code is None:
            return None
        self.last_exit = code
        if self.state == WorkerState.STOPPING:
            self.state = WorkerState.STOPPED
            return code
        if self.state == WorkerState.READY and time.monotonic() - self.ready_at >= STABLE_S:
            self.failures = 0
        if code == worker_script.EXIT_INIT_FAILED:
            self.init_failures += 1
        self.restart_at = time.monotonic() + BACKOFF_S[min(self.failures, len(BACKOFF_S) - 1)]
        self.failures += 1
        self.state = WorkerState.WAITING
        self.slot = None
        return code

    def kill(self, reason: str) -> None:
        """Kill a worker that is not well (a failed probe); it restarts with backoff."""
        self._note(f"killed: {reason}")
        if self.proc is not None and self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.exited()

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Ask the worker to finish its requests and exit (SIGKILL after ``grace``)."""
        if self.proc is None or self.proc.poll() is not None:
            self.state = WorkerState.STOPPED
            return
        self.state = WorkerState.STOPPING
        self.kill_at = time.monotonic() + grace
        _signal_group(self.proc.pid, signal.SIGTERM)

    def reap(self) -> bool:
        """For a stopping worker: True once it has exited (SIGKILL past its grace)."""
        if self.proc is None or self.proc.poll() is not None:
            self.state = WorkerState.STOPPED
            return True
        if time.monotonic() >= self.kill_at:
            _signal_group(self.proc.pid, signal.SIGKILL)
        return False

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the worker's console (the traceback of a failed ``init()``)."""
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - 64_000))
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(deque(text.splitlines(), maxlen=lines))

    def _note(self, line: str) -> None:
        try:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(f"[basalt] worker {self.index}: {line}\n")
        except OSError:
            pass


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
