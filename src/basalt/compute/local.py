"""Local compute: processes on this machine.

Two things live here. ``LocalDriver`` starts a job's *runner* (``python -m basalt.cli.runner``)
as a detached process in its own session, so closing the terminal that submitted the job loses
nothing. ``UserProcess`` is what the runner uses to start the user's command: its own process
group (so cancel kills the whole tree), stdout and stderr written straight to the log file (so
the log can be read while it grows), and samples of the tree's CPU and memory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

from basalt.compute.base import RunnerHandle
from basalt.spec.job_secrets import mask as mask_secrets

RUNNER_MODULE = "basalt.cli.runner"
"""The runner's entry module, started by name (compute never imports it)."""
LAUNCH_FILE = "launch.json"
"""A prepared job's launch plan in its folder: ``command``, ``cwd``, ``env`` (and more)."""


class LocalDriver:
    """Starts runners as detached processes on this machine."""

    def __init__(self, python: str = sys.executable, log_dir: Path | None = None) -> None:
        self.python = python
        self.log_dir = log_dir

    def launch_runner(
        self, workspace: str, run_name: str, env: dict[str, str], job_dir: Path | None = None
    ) -> RunnerHandle:
        """Start ``python -m basalt.cli.runner WORKSPACE RUN [JOB_DIR]`` detached.

        With ``job_dir`` holding a launch plan, the runner starts the command before it loads
        the store (see ``start_planned``).
        """
        out: int | IO[bytes] = subprocess.DEVNULL
        log = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = (self.log_dir / f"{run_name}.runner.log").open("ab")
            out = log
        try:
            proc = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    RUNNER_MODULE,
                    workspace,
                    run_name,
                    *([str(job_dir)] if job_dir is not None else []),
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,  # survives the terminal; its own process group
                close_fds=True,
            )
        finally:
            if log is not None:
                log.close()
        return RunnerHandle(pid=proc.pid, host=socket.gethostname(), started=_create_time(proc.pid))

    def runner_alive(self, handle: RunnerHandle) -> bool | None:
        """Whether the runner still runs; None for a runner on another host."""
        if handle.host != socket.gethostname():
            return None
        return process_alive(handle.pid, handle.started)

    def kill_orphan(self, handle: RunnerHandle, job_pid: int) -> None:
        """SIGKILL the process group of a job whose runner died, if it ran on this host."""
        if handle.host == socket.gethostname():
            _signal_group(job_pid, signal.SIGKILL)


def process_alive(pid: int, started: float) -> bool:
    """True if ``pid`` runs and is the same process that was started at ``started``."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started <= 0 or abs(proc.create_time() - started) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _create_time(pid: int) -> float:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return 0.0


@dataclass
class Usage:
    """One sample of a process tree's resource use."""

    cpu_percent: float
    memory_mb: float
    processes: int
    gpu: dict[str, float] = field(default_factory=dict)


@dataclass
class UserProcess:
    """The user's command, running in its own process group with its output in a log file."""

    popen: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.monotonic)
    _tree: dict[int, psutil.Process] = field(default_factory=dict)
    _pump: threading.Thread | None = None

    @classmethod
    def start(
        cls,
        command: str,
        cwd: Path,
        env: dict[str, str],
        log_path: Path,
        mask: Sequence[str] = (),
    ) -> UserProcess:
        """Run ``command`` with ``/bin/sh -c`` in ``cwd``, appending its output to ``log_path``.

        With ``mask`` (secret values the command was given), the output goes through a pipe
        and a thread that writes it to the log with each value replaced by ``***``; otherwise
        the command writes to the log file directly.
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        values = [v for v in mask if v]
        with log_path.open("ab", buffering=0) as log:
            popen = subprocess.Popen(
                ["/bin/sh", "-c", command],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if values else log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc = cls(popen)
        if values:
            assert popen.stdout is not None
            proc._pump = threading.Thread(
                target=_pump_masked,
                args=(popen.stdout, log_path, values),
                name="basalt-log-mask",
                daemon=True,
            )
            proc._pump.start()
        return proc

    @property
    def pid(self) -> int:
        """The shell's pid (the process group's leader)."""
        return self.popen.pid

    def poll(self) -> int | None:
        """The exit code, or None while it runs (its output is all in the log by then)."""
        code = self.popen.poll()
        if code is not None and self._pump is not None:
            self._pump.join(timeout=10)
        return code

    def kill_tree(self, grace: float = 3.0) -> None:
        """SIGTERM the process group and every descendant, then SIGKILL what is left."""
        procs = self._descendants()
        _signal_group(self.pid, signal.SIGTERM)
        for p in procs:
            _signal(p, signal.SIGTERM)
        _, alive = psutil.wait_procs(procs, timeout=grace)
        try:
            self.popen.wait(timeout=max(0.1, grace))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(self.pid, signal.SIGKILL)
        for p in alive:
            _signal(p, signal.SIGKILL)
        self.popen.wait()

    def sample(self) -> Usage:
        """CPU (percent of one core, summed over the tree) and resident memory of the tree."""
        cpu = mem = 0.0
        procs = self._descendants()
        live = {p.pid for p in procs}
        for pid in list(self._tree):
            if pid not in live:
                del self._tree[pid]
        for p in procs:
            known = self._tree.setdefault(p.pid, p)
            try:
                with known.oneshot():
                    cpu += known.cpu_percent(None)
                    mem += known.memory_info().rss
            except psutil.Error:
                continue
        usage = Usage(cpu_percent=cpu, memory_mb=mem / 2**20, processes=len(procs))
        usage.gpu = gpu_usage(live)
        return usage

    def _descendants(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal(proc: psutil.Process, sig: signal.Signals) -> None:
    try:
        proc.send_signal(sig)
    except psutil.Error:
        pass


@dataclass
class Started:
    """A job's command, started; the socket is the in-job API's, bound but not served yet."""

    proc: UserProcess
    sock: socket.socket


def read_plan(job_dir: Path) -> dict[str, Any] | None:
    """The launch plan the scheduler left in ``job_dir``, if any."""
    path = job_dir / LAUNCH_FILE
    if not path.is_file():
        return None
    plan: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return plan


def _pump_masked(source: IO[bytes], log_path: Path, values: list[str]) -> None:
    """Copy the command's output to the log line by line, secret values masked."""
    with source, log_path.open("ab", buffering=0) as log:
        for line in iter(source.readline, b""):
            text = line.decode("utf-8", errors="replace")
            log.write(mask_secrets(text, values).encode("utf-8"))


def start_planned(
    command: str, cwd: Path, env: dict[str, str], log_path: Path, mask: Sequence[str] = ()
) -> Started:
    """Bind the in-job API's loopback port and start the command with its URL in ``env``.

    Requests the command sends before the API is served wait in the socket's backlog.
    ``mask``: secret values to hide from the command's output in the log.
    """
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    full = {**env, "BASALT_URL": url, "MLFLOW_TRACKING_URI": url}
    with log_path.open("a", encoding="utf-8") as fh:
        fh.write(f"[basalt] running: {command}\n")
    return Started(UserProcess.start(command, cwd, full, log_path, mask), sock)


def gpu_usage(pids: set[int]) -> dict[str, float]:
    """GPU use of a process tree, from ``nvidia-smi`` when the machine has NVIDIA GPUs.

    ``gpu_memory_mb`` sums the memory the tree's processes hold; ``gpu_utilization_percent`` is
    the mean utilization of the GPUs they use (of every GPU when the driver does not say which).
    Empty without ``nvidia-smi`` or when it fails: sampling never disturbs the job.
    """
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return {}
    try:
        gpus = _smi(smi, "--query-gpu=uuid,utilization.gpu")
        apps = _smi(smi, "--query-compute-apps=pid,gpu_uuid,used_memory")
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    utilization = {row[0]: float(row[1]) for row in gpus if len(row) >= 2}
    mine = [row for row in apps if len(row) >= 3 and row[0].isdigit() and int(row[0]) in pids]
    used = {row[1] for row in mine} or set(utilization)
    busy = [utilization[u] for u in used if u in utilization]
    out = {"gpu_memory_mb": sum(float(row[2]) for row in mine)}
    if busy:
        out["gpu_utilization_percent"] = sum(busy) / len(busy)
    return out


def _smi(smi: str, query: str) -> list[list[str]]:
    done = subprocess.run(
        [smi, query, "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        timeout=5,
        check=True,
    )
    return [
        [cell.strip() for cell in line.split(",")]
        for line in done.stdout.splitlines()
        if line.strip()
    ]
