"""The runner of one job: a detached process that takes a claimed job from ``Preparing`` to its end.

It restores the code snapshot into a working folder (with ``./outputs`` and ``./logs``, as on
Azure ML), materializes the environment (cached venv) and the inputs, renders the command,
serves the in-job API on a loopback port (so ``basalt.log_metric`` and ``mlflow`` in the user's
process reach this run over HTTP and never open the store), runs the command in its own process
group with its output in ``user_logs/std_log.txt``, samples the process tree's CPU and memory as
``system/*`` metrics, honours cancel and ``limits.timeout``, then uploads the outputs and logs and
records the outcome. Everything is recorded in the store as it happens.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from basalt.compute.local import Started, UserProcess, start_planned
from basalt.errors import BasaltError
from basalt.services.container import Services
from basalt.services.job_prepare import LaunchPlan
from basalt.spec.job_requests import (
    CANCEL_PROPERTY,
    ENV_KEY_PROPERTY,
    JOB_DIR_PROPERTY,
    JOB_PID_PROPERTY,
    LOG_PATH,
    RUNNER_PROPERTY,
)
from basalt.spec.jobs import CommandJob
from basalt.spec.runs import (
    LogBatch,
    MetricPoint,
    Run,
    RunError,
    RunErrorType,
    RunStatus,
    RunUpdate,
)

logger = logging.getLogger(__name__)

ServeApi = Callable[[socket.socket], Callable[[], None]]
"""Starts the in-job API on a bound socket; returns a function that stops it."""

POLL_S = 0.05
CANCEL_CHECK_S = 1.0
SAMPLE_EVERY_S = 5.0
TAIL_LINES = 20


class JobRunner:
    """Runs one claimed job to its end (see the module docstring)."""

    def __init__(
        self,
        services: Services,
        workspace: str,
        name: str,
        serve_api: ServeApi | None = None,
        started: Started | None = None,
    ) -> None:
        self.s = services
        self.ws = workspace
        self.name = name
        self.serve_api = serve_api
        self.started = started  # the command, already started from the scheduler's plan
        self.job_dir = services.settings.jobs_dir() / workspace / name
        self.wd = self.job_dir / "wd"
        self.log_path = self.job_dir / LOG_PATH
        self._stop = threading.Event()
        self._reason: str | None = None  # "cancel" or "timeout" once the job is being stopped

    # --- the whole life -----------------------------------------------------------------------

    def run(self) -> RunStatus:
        """Take the job from ``Preparing`` to its final status; return that status."""
        run = self.s.runs.get_run(self.ws, self.name)
        if run.status != RunStatus.PREPARING:
            logger.warning("job %s is %s, not Preparing; nothing to do", self.name, run.status)
            if self.started is not None:
                self.started.proc.kill_tree()
                self.started.sock.close()
            return run.status
        signal.signal(signal.SIGTERM, self._on_sigterm)
        self.job_dir.mkdir(parents=True, exist_ok=True)
        status = RunStatus.FAILED
        try:
            status = self._run(run)
        except BasaltError as exc:
            self.log(f"[basalt] job failed before it started: {exc.message}")
            self._finish(
                RunStatus.FAILED, RunError(type=RunErrorType.USER_CODE, message=exc.message)
            )
        except Exception as exc:
            logger.exception("runner of %s failed", self.name)
            self.log(f"[basalt] the runner failed: {exc!r}")
            self._finish(
                RunStatus.FAILED,
                RunError(type=RunErrorType.SYSTEM, message=f"the job's runner failed: {exc!r}"),
            )
        finally:
            self._cleanup()
        return status

    def _run(self, run: Run) -> RunStatus:
        job = CommandJob.model_validate((run.spec or {})["job"])
        plan = LaunchPlan.load(self.job_dir) if self.started is not None else None
        started = self.started
        if plan is None or started is None:
            t0 = time.monotonic()
            plan = self.s.job_prepare.prepare(self.ws, run, self.log)
            if self._reason:
                return self._end_stopped(None)
            self.log(f"[basalt] prepared in {time.monotonic() - t0:.2f} s")
            env, values = self.s.jobs.reveal_secrets(self.ws, plan.env)
            started = start_planned(plan.command, Path(plan.cwd), env, self.log_path, values)
        proc = started.proc
        # NOTE: recorded right after the start, not before: the command's first line should not
        # wait for writes to the store.
        self.s.runs.set_properties(
            self.ws,
            self.name,
            {
                JOB_PID_PROPERTY: str(proc.pid),
                JOB_DIR_PROPERTY: str(self.job_dir),
                ENV_KEY_PROPERTY: plan.env_key,
            },
            status=RunStatus.RUNNING,
        )
        stop_api = (
            self.serve_api(started.sock) if self.serve_api is not None else started.sock.close
        )
        try:
            code = self._watch(proc, job.limits.timeout if job.limits else None)
        finally:
            stop_api()
        outputs = {k: Path(v) for k, v in plan.outputs.items()}
        return self._finalize(job, outputs, code)

    # --- while it runs ------------------------------------------------------------------------

    def _watch(self, proc: UserProcess, timeout: int | None) -> int:
        started = proc.started_at  # the command may have started before the runner got here
        now = time.monotonic()
        next_cancel = now + CANCEL_CHECK_S
        next_sample = now + 0.5
        step = 0
        proc.sample()  # primes cpu_percent
        while True:
            code = proc.poll()
            if code is not None:
                return code
            now = time.monotonic()
            if self._reason is None and timeout is not None and now - started > timeout:
                self._reason = "timeout"
            if self._reason is None and now >= next_cancel:
                next_cancel = now + CANCEL_CHECK_S
                run = self.s.runs.get_run(self.ws, self.name)
                if run.properties.get(CANCEL_PROPERTY):
                    self._reason = "cancel"
            if self._reason is not None:
                self.log(f"[basalt] stopping the job ({self._reason})")
                proc.kill_tree()
                return proc.poll() or -9
            if now >= next_sample:
                next_sample = now + SAMPLE_EVERY_S
                self._log_usage(proc, step)
                step += 1
            self._stop.wait(POLL_S)

    def _log_usage(self, proc: UserProcess, step: int) -> None:
        usage = proc.sample()
        ts = int(time.time() * 1000)
        points = [
            MetricPoint(key="system/cpu_percent", value=usage.cpu_percent, step=step, timestamp=ts),
            MetricPoint(key="system/memory_mb", value=usage.memory_mb, step=step, timestamp=ts),
            MetricPoint(key="system/processes", value=usage.processes, step=step, timestamp=ts),
        ]
        points += [
            MetricPoint(key=f"system/{key}", value=value, step=step, timestamp=ts)
            for key, value in usage.gpu.items()
        ]
        try:
            self.s.runs.log_batch(self.ws, self.name, LogBatch(metrics=points))
        except BasaltError as exc:  # a busy store must not stop the job
            logger.warning("could not log system metrics of %s: %s", self.name, exc)

    def _on_sigterm(self, *_: object) -> None:
        self._reason = self._reason or "cancel"
        self._stop.set()

    # --- the end ------------------------------------------------------------------------------

    def _finalize(self, job: CommandJob, outputs: dict[str, Path], code: int) -> RunStatus:
        self.s.runs.update_run(self.ws, self.name, RunUpdate(status=RunStatus.FINALIZING))
        self._upload_outputs(job, outputs)
        if self._reason is not None:
            return self._end_stopped(job)
        if code == 0:
            self.log("[basalt] the job completed")
            self._finish(RunStatus.COMPLETED, None)
            return RunStatus.COMPLETED
        tail = self._tail()
        self.log(f"[basalt] the job failed with exit code {code}")
        message = f"the command exited with code {code}"
        if tail:
            message += "; last lines of its log:\n" + tail
        self._finish(RunStatus.FAILED, RunError(type=RunErrorType.USER_CODE, message=message))
        return RunStatus.FAILED

    def _end_stopped(self, job: CommandJob | None) -> RunStatus:
        if self._reason == "timeout" and job is not None and job.limits is not None:
            limit = job.limits.timeout
            self.log(f"[basalt] the job ran past limits.timeout ({limit} s) and was stopped")
            self._finish(
                RunStatus.FAILED,
                RunError(
                    type=RunErrorType.USER_CODE,
                    message=f"the job ran past its limits.timeout of {limit} s and was stopped",
                ),
            )
            return RunStatus.FAILED
        self.log("[basalt] the job was canceled")
        self._finish(
            RunStatus.CANCELED, RunError(type=RunErrorType.CANCELED, message="canceled by user")
        )
        return RunStatus.CANCELED

    def _upload_outputs(self, job: CommandJob, outputs: dict[str, Path]) -> None:
        runs = self.s.runs
        for folder in ("outputs", "logs"):
            _upload_tree(runs, self.ws, self.name, self.wd / folder, folder)
        for name, path in outputs.items():
            root = path if path.is_dir() else path.parent
            _upload_tree(runs, self.ws, self.name, root, name)
        from basalt.daemons.job_outputs import register_outputs

        for line in register_outputs(self.s, self.ws, self.name, job, outputs):
            self.log(f"[basalt] {line}")

    def _finish(self, status: RunStatus, error: RunError | None) -> None:
        if self.log_path.exists():
            self.s.runs.upload_artifact(self.ws, self.name, LOG_PATH, self.log_path)
        update = RunUpdate(status=status, error=error) if error else RunUpdate(status=status)
        try:
            self.s.runs.update_run(self.ws, self.name, update)
        except BasaltError as exc:
            logger.warning("could not record the end of %s: %s", self.name, exc)

    def _cleanup(self) -> None:
        try:
            self.s.runs.set_properties(
                self.ws,
                self.name,
                {RUNNER_PROPERTY: None, JOB_DIR_PROPERTY: None, JOB_PID_PROPERTY: None},
            )
        finally:
            shutil.rmtree(self.job_dir, ignore_errors=True)

    def _tail(self) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        user = [ln for ln in lines if not ln.startswith("[basalt]")]
        return "\n".join(user[-TAIL_LINES:])

    def log(self, line: str) -> None:
        """Append one line to the job's log (what ``basalt job stream`` shows)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(line.rstrip("\n") + "\n")


def _upload_tree(runs: Any, ws: str, name: str, root: Path, prefix: str) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            runs.upload_artifact(ws, name, f"{prefix}/{rel}", path)
