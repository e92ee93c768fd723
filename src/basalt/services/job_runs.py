"""The life of a queued job: scheduling onto compute slots, runner liveness, cancel and logs.

Rules (the loops that apply them live in ``daemons/``, and in embedded mode a pass also runs
after each submission and at the end of each runner):

- A compute target runs at most ``max_concurrent_jobs`` jobs; the rest wait ``Queued``, oldest
  first. A pass *claims* a queued job by moving it to ``Preparing`` with a conditional update,
  so two passes at once (two CLIs, two server replicas) never start it twice.
- The runner's handle (pid, host, start time) is recorded on the run. A pass that finds an
  active job whose runner is gone marks it ``Failed`` with the reason: no job stays Running
  forever.
- A sweep's parent (``basalt.job_type=sweep``) only samples and watches its trials: it is
  started at once and takes no slot (else ``max_concurrent_jobs: 1`` would deadlock it against
  its own trials), which take the slots of the sweep's compute like any job.
- Cancel: a job not yet started is ``Canceled`` at once; an active one gets a cancel request
  that its runner acts on (and, on this host, its runner is signalled so it acts at once).
"""

from __future__ import annotations

import logging
import os
import signal
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from basalt._internal.clock import Clock
from basalt.compute.base import ComputeDriver, RunnerHandle
from basalt.errors import BasaltError, ConflictError, NotFoundError
from basalt.services.computes import ComputeService
from basalt.services.job_prepare import JobPreparer
from basalt.services.runs import RunService
from basalt.spec.job_requests import (
    CANCEL_PROPERTY,
    COMPUTE_PROPERTY,
    JOB_DIR_PROPERTY,
    JOB_PID_PROPERTY,
    JOB_TYPE_PROPERTY,
    LOG_PATH,
    RUNNER_PROPERTY,
    LogChunk,
)
from basalt.spec.runs import Run, RunError, RunErrorType, RunStatus, RunUpdate
from basalt.store.repos.jobs import claim, jobs_in_status
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)

ACTIVE = (RunStatus.PREPARING.value, RunStatus.RUNNING.value, RunStatus.FINALIZING.value)
LAUNCH_GRACE = timedelta(seconds=60)
"""How long a claimed job may go without a recorded runner before it counts as lost."""
MAX_LOG_CHUNK = 1 << 20


def encode_handle(handle: RunnerHandle) -> str:
    """The runner handle as stored in the run property."""
    return f"{handle.pid} {handle.host} {handle.started:.3f}"


def decode_handle(text: str) -> RunnerHandle | None:
    """The runner handle from its run property, or None if it is unreadable."""
    try:
        pid, host, started = text.split(" ")
        return RunnerHandle(pid=int(pid), host=host, started=float(started))
    except ValueError:
        return None


class JobRunService:
    """Scheduling, liveness, cancel and logs of jobs.

    Args:
        uow: Unit of work on the metadata store.
        clock: Source of the current time.
        runs: Run records (status changes go through its transitions table).
        computes: Compute targets and their slot counts.
        driver: Starts runners (local processes).
        runner_env: The environment a runner process is started with.
        preparer: Prepares a job's folder and launch plan (here when quick, else in its runner).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        runs: RunService,
        computes: ComputeService,
        driver: ComputeDriver,
        runner_env: Callable[[], dict[str, str]],
        preparer: JobPreparer,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.runs = runs
        self.computes = computes
        self.driver = driver
        self.runner_env = runner_env
        self.preparer = preparer

    # --- scheduling -------------------------------------------------------------------------

    def schedule_pass(self) -> list[str]:
        """Fail jobs whose runner died, then start queued jobs on free slots; the names started."""
        self.reap()
        with self.uow() as session:
            active = jobs_in_status(session, ACTIVE)
            queued = jobs_in_status(session, (RunStatus.QUEUED.value,))
        if not queued:
            return []
        busy: dict[tuple[str, str], int] = defaultdict(int)
        for ws, row in active:
            if not _is_sweep(row.properties):
                busy[(ws, (row.properties or {}).get(COMPUTE_PROPERTY, "local"))] += 1
        slots: dict[tuple[str, str], int] = {}
        started: list[str] = []
        for ws, row in queued:
            if _is_sweep(row.properties):
                if self._claim(row.id):
                    self._launch(ws, row.name, prepare=False)
                    started.append(row.name)
                continue
            target = (ws, (row.properties or {}).get(COMPUTE_PROPERTY, "local"))
            if target not in slots:
                try:
                    limit = self.computes.get(*target).max_concurrent_jobs
                except Exception:  # noqa: BLE001 - a deleted compute: leave the job queued
                    limit = 0
                slots[target] = limit - busy[target]
            if slots[target] <= 0:
                continue
            if self._claim(row.id):
                slots[target] -= 1
                self._launch(ws, row.name)
                started.append(row.name)
        return started

    def _claim(self, run_id: int) -> bool:
        with self.uow(write=True) as session:
            return claim(
                session, run_id, RunStatus.QUEUED.value, RunStatus.PREPARING.value, self.clock.now()
            )

    def _launch(self, workspace: str, name: str, *, prepare: bool = True) -> None:
        job_dir = self.preparer.job_dir(workspace, name)
        if prepare:
            self._prepare_quickly(workspace, name)
        try:
            handle = self.driver.launch_runner(workspace, name, self.runner_env(), job_dir)
        except OSError as exc:
            logger.error("could not start the runner of %s: %s", name, exc)
            self.fail(workspace, name, f"could not start the job's runner: {exc}")
            return
        self.runs.set_properties(workspace, name, {RUNNER_PROPERTY: encode_handle(handle)})
        logger.info("started runner %d for job %s", handle.pid, name)

    def _prepare_quickly(self, workspace: str, name: str) -> None:
        """Prepare the job here when that is quick, so its runner starts the command at once."""
        run = self.runs.get_run(workspace, name)
        if not self.preparer.quick(run):
            return
        job_dir = self.preparer.job_dir(workspace, name)
        try:
            plan = self.preparer.prepare(workspace, run, self.preparer.log_to(workspace, name))
            plan.save(job_dir)
        except BasaltError as exc:
            # The runner prepares it again and records the failure where the user looks.
            logger.info("quick preparation of %s failed: %s", name, exc)

    def reap(self) -> list[str]:
        """Mark ``Failed`` every active job whose runner is gone; the names marked."""
        with self.uow() as session:
            active = jobs_in_status(session, ACTIVE)
        now = self.clock.now()
        lost: list[str] = []
        for ws, row in active:
            text = (row.properties or {}).get(RUNNER_PROPERTY)
            handle = decode_handle(text) if text else None
            if handle is None:
                if now - row.updated_at > LAUNCH_GRACE:
                    lost.append(ws + "/" + row.name)
                    self.fail(ws, row.name, "the job's runner never started", RunErrorType.SYSTEM)
                continue
            if self.driver.runner_alive(handle) is False:
                lost.append(ws + "/" + row.name)
                job_pid = (row.properties or {}).get(JOB_PID_PROPERTY)
                if job_pid:
                    self.driver.kill_orphan(handle, int(job_pid))
                self.fail(
                    ws,
                    row.name,
                    f"the job's runner (pid {handle.pid}) died while the job was "
                    f"{row.status}; resubmit the job",
                    RunErrorType.SYSTEM,
                )
        return lost

    def fail(
        self,
        workspace: str,
        name: str,
        message: str,
        kind: RunErrorType = RunErrorType.SYSTEM,
    ) -> None:
        """Mark a job ``Failed`` with ``message`` unless it has already ended."""
        try:
            self.runs.update_run(
                workspace,
                name,
                RunUpdate(status=RunStatus.FAILED, error=RunError(type=kind, message=message)),
            )
        except ConflictError:
            return  # it ended meanwhile
        self.runs.set_properties(workspace, name, {RUNNER_PROPERTY: None})

    def active_on(self, workspace: str, compute: str) -> list[str]:
        """Names of the jobs queued or running on a compute target."""
        with self.uow() as session:
            rows = jobs_in_status(session, (RunStatus.QUEUED.value, *ACTIVE))
        return [
            row.name
            for ws, row in rows
            if ws == workspace and (row.properties or {}).get(COMPUTE_PROPERTY) == compute
        ]

    # --- cancel -----------------------------------------------------------------------------

    def cancel(self, workspace: str, name: str) -> Run:
        """Cancel a job: at once if it has not started, else through its runner.

        Raises:
            NotFoundError: No such job.
            ConflictError: It is not a job, or it has already ended.
        """
        run = self.runs.get_run(workspace, name)
        if run.kind != "job":
            raise ConflictError(
                f"'{name}' is an interactive run, not a job; it cannot be canceled",
                details={"name": name},
            )
        if run.status.is_terminal():
            raise ConflictError(
                f"Job '{name}' has already ended ({run.status.value})", details={"name": name}
            )
        if run.status in (RunStatus.QUEUED, RunStatus.NOT_STARTED):
            try:
                return self.runs.update_run(
                    workspace,
                    name,
                    RunUpdate(
                        status=RunStatus.CANCELED,
                        error=RunError(type=RunErrorType.CANCELED, message="canceled by user"),
                    ),
                )
            except ConflictError:
                run = self.runs.get_run(workspace, name)  # claimed meanwhile: ask its runner
        run = self.runs.set_properties(workspace, name, {CANCEL_PROPERTY: "1"})
        handle = decode_handle(run.properties.get(RUNNER_PROPERTY, ""))
        if handle is not None and self.driver.runner_alive(handle):
            try:
                os.kill(handle.pid, signal.SIGTERM)  # the runner stops the job and records it
            except OSError:
                pass
        return run

    # --- logs -------------------------------------------------------------------------------

    def logs(self, workspace: str, name: str, offset: int = 0, max_bytes: int = 65536) -> LogChunk:
        """The job's log from byte ``offset``.

        Read from its working folder while it runs, from its files once it has ended.

        Raises:
            NotFoundError: No such run.
        """
        run = self.runs.get_run(workspace, name)
        offset = max(0, offset)
        max_bytes = max(1, min(max_bytes, MAX_LOG_CHUNK))
        data = b""
        job_dir = run.properties.get(JOB_DIR_PROPERTY)
        if job_dir is None and not run.status.is_terminal():
            job_dir = str(self.preparer.job_dir(workspace, name))  # prepared, runner starting
        local = Path(job_dir) / LOG_PATH if job_dir else None
        if local is not None and local.is_file():
            with local.open("rb") as fh:
                fh.seek(offset)
                data = fh.read(max_bytes)
        elif run.status.is_terminal():
            try:
                with self.runs.open_artifact(workspace, name, LOG_PATH) as fh:
                    fh.seek(offset)
                    data = fh.read(max_bytes)
            except NotFoundError:
                data = b""
        data = data[: _complete_utf8(data)]  # never split a character across chunks
        done = run.status.is_terminal() and len(data) < max_bytes
        return LogChunk(
            text=data.decode("utf-8", errors="replace"),
            next_offset=offset + len(data),
            status=run.status.value,
            done=done,
        )


def _is_sweep(properties: dict[str, str] | None) -> bool:
    return (properties or {}).get(JOB_TYPE_PROPERTY) == "sweep"


def _complete_utf8(data: bytes) -> int:
    """The length of ``data`` without a UTF-8 character cut off at its end."""
    n = len(data)
    i, back = n - 1, 0
    while i >= 0 and back < 3 and (data[i] & 0xC0) == 0x80:
        i, back = i - 1, back + 1
    if i < 0:
        return n
    lead = data[i]
    need = 1
    if lead >> 5 == 0b110:
        need = 2
    elif lead >> 4 == 0b1110:
        need = 3
    elif lead >> 3 == 0b11110:
        need = 4
    return n if n - i >= need else i
