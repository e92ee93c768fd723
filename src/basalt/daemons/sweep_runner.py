"""The runner of a sweep job: samples trials, runs them as child command jobs, keeps the best.

It takes the sweep's parent run from ``Preparing`` to its end. It holds no compute slot (the
scheduler starts it at once); its trials are ordinary command jobs on the sweep's compute,
queued through ``JobService.create_trial`` and started by scheduler passes like any job.

The loop, every ``POLL_S``: read each active trial's status and primary-metric history; tell
Optuna the outcome of trials that ended (the last value of the primary metric, or FAIL, or
PRUNED for early-terminated ones); apply the early-termination policy
(``daemons/sweep_policies.py``); start trials while fewer than ``max_concurrent_trials`` are
active and fewer than ``max_total_trials`` were started. ``limits.timeout`` stops starting
trials and cancels the active ones; the sweep then ends with the best trial so far. Canceling
the sweep cancels its active trials and ends it ``Canceled``.

Decisions: the best trial is the best *completed* trial (an early-terminated trial's last value
is not a final result); a sweep where no trial completed with a value of the primary metric ends
``Failed``, with the first trial failure in its message. At the end the parent gets the tag and
property ``basalt.sweep.best_trial``, the best trial's params as its params and the metric
``best_<primary_metric>``; while it runs it logs ``<primary_metric>`` with step = trial index.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from basalt.daemons.job_runner import JobRunner
from basalt.daemons.sweep_policies import trials_to_stop
from basalt.errors import BasaltError, ConflictError, NotFoundError, invalid
from basalt.services.container import Services
from basalt.spec.job_requests import (
    CANCEL_PROPERTY,
    JOB_DIR_PROPERTY,
    SWEEP_BEST_TRIAL,
    SWEEP_EARLY_TERMINATED,
)
from basalt.spec.jobs import SweepJob
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

POLL_S = 0.5
CANCEL_CHECK_S = 1.0
DRAIN_TIMEOUT_S = 60.0
"""How long a canceled or timed-out sweep waits for its canceled trials to end."""


@dataclass
class _Trial:
    name: str
    index: int
    number: int
    params: dict[str, Any]
    status: RunStatus = RunStatus.QUEUED
    values: list[float] = field(default_factory=list)
    terminated: bool = False
    told: bool = False
    error: str | None = None


class SweepRunner(JobRunner):
    """Runs one claimed sweep job to its end (see the module docstring)."""

    def __init__(self, services: Services, workspace: str, name: str) -> None:
        super().__init__(services, workspace, name)
        self.trials: list[_Trial] = []

    def run(self) -> RunStatus:
        """Take the sweep from ``Preparing`` to its final status; return that status."""
        run = self.s.runs.get_run(self.ws, self.name)
        if run.status != RunStatus.PREPARING:
            logger.warning("sweep %s is %s, not Preparing; nothing to do", self.name, run.status)
            return run.status
        signal.signal(signal.SIGTERM, self._on_sigterm)
        self.job_dir.mkdir(parents=True, exist_ok=True)
        self.s.runs.set_properties(self.ws, self.name, {JOB_DIR_PROPERTY: str(self.job_dir)})
        status = RunStatus.FAILED
        try:
            status = self._sweep(run)
        except BasaltError as exc:
            self.log(f"[basalt] the sweep failed: {exc.message}")
            self._drain()
            self._finish(status, RunError(type=RunErrorType.USER_CODE, message=exc.message))
        except Exception as exc:
            logger.exception("runner of sweep %s failed", self.name)
            self.log(f"[basalt] the sweep's runner failed: {exc!r}")
            self._drain()
            message = f"the sweep's runner failed: {exc!r}"
            self._finish(status, RunError(type=RunErrorType.SYSTEM, message=message))
        finally:
            self._cleanup()
        return status

    # --- the loop -----------------------------------------------------------------------------

    def _sweep(self, run: Run) -> RunStatus:
        sweep = SweepJob.model_validate((run.spec or {})["job"])
        try:
            from basalt.daemons.sweep_sampling import SweepSampler

            sampler = SweepSampler(
                sweep.search_space, sweep.sampling_algorithm, sweep.objective.goal, self.log
            )
        except ImportError:
            raise invalid("type", "sweeps need Optuna: pip install 'basalt[sweep]'") from None
        limits = sweep.limits
        total = limits.max_total_trials
        if sampler.grid_size is not None and sampler.grid_size < total:
            self.log(f"[basalt] sweep: the grid has {sampler.grid_size} points; running each once")
            total = sampler.grid_size
        concurrent = limits.max_concurrent_trials or total
        goal, metric = sweep.objective.goal, sweep.objective.primary_metric
        self.log(
            f"[basalt] sweep: {sweep.sampling_algorithm.type} sampling (seed {sampler.seed}), "
            f"{total} trials, at most {concurrent} at once; {goal} {metric}"
        )
        self.s.runs.update_run(self.ws, self.name, RunUpdate(status=RunStatus.RUNNING))
        started_at = time.monotonic()
        next_cancel = started_at + CANCEL_CHECK_S
        evaluated: dict[str, int] = {}
        while True:
            self._poll(sampler, metric)
            now = time.monotonic()
            if self._reason is None and now >= next_cancel:
                next_cancel = now + CANCEL_CHECK_S
                if self.s.runs.get_run(self.ws, self.name).properties.get(CANCEL_PROPERTY):
                    self._reason = "cancel"
            if self._reason is None and limits.timeout and now - started_at > limits.timeout:
                self._reason = "timeout"
                self.log(f"[basalt] the sweep reached limits.timeout ({limits.timeout} s)")
            if self._reason is not None:
                self._drain(sampler, metric)
                break
            if sweep.early_termination is not None:
                histories = {t.name: t.values for t in self.trials}
                active = [t.name for t in self._active() if not t.terminated]
                decision = trials_to_stop(
                    sweep.early_termination, goal, histories, active, evaluated
                )
                evaluated = decision.evaluated
                for name in decision.stop:
                    self._terminate(name, evaluated[name])
            while len(self._active()) < concurrent and len(self.trials) < total:
                self._start(run, sampler)
            if len(self.trials) >= total and not self._active():
                break
            self._stop.wait(POLL_S)
        return self._conclude(goal, metric)

    def _active(self) -> list[_Trial]:
        return [t for t in self.trials if not t.status.is_terminal()]

    def _start(self, parent: Run, sampler: Any) -> None:
        point = sampler.ask()
        index = len(self.trials)
        child = self.s.jobs.create_trial(self.ws, parent, point.params, index=index)
        self.trials.append(_Trial(child.name, index, point.number, point.params))
        shown = ", ".join(f"{k}={_text(v)}" for k, v in point.params.items())
        self.log(f"[basalt] trial {index} ({child.name}) queued: {shown}")
        self.s.job_runs.schedule_pass()

    def _poll(self, sampler: Any, metric: str) -> None:
        for trial in self._active():
            child = self.s.runs.get_run(self.ws, trial.name)
            trial.status = child.status
            try:
                series = self.s.runs.get_metric_history(self.ws, trial.name, metric)
                trial.values = list(series.values)
            except NotFoundError:
                trial.values = []
            if child.status.is_terminal():
                trial.error = child.error.message if child.error else None
                self._tell(trial, sampler, metric)

    def _tell(self, trial: _Trial, sampler: Any, metric: str) -> None:
        value = trial.values[-1] if trial.values else None
        if trial.terminated and trial.status == RunStatus.COMPLETED:
            # It ended on its own before the cancel reached it: it was not stopped early.
            trial.terminated = False
            self.s.runs.delete_tag(self.ws, trial.name, SWEEP_EARLY_TERMINATED)
        if trial.terminated and trial.status != RunStatus.COMPLETED:
            state = "pruned"
        elif trial.status == RunStatus.COMPLETED and value is not None:
            state = "complete"
        else:
            state = "fail"
        sampler.tell(trial.number, value, state)
        trial.told = True
        if value is not None:
            point = MetricPoint(key=metric, value=value, step=trial.index, timestamp=_now_ms())
            self.s.runs.log_batch(self.ws, self.name, LogBatch(metrics=[point]))
        shown = "no value" if value is None else f"{metric}={value:g}"
        why = " (early termination)" if state == "pruned" else ""
        self.log(f"[basalt] trial {trial.index} ({trial.name}) {trial.status.value}{why}: {shown}")

    def _terminate(self, name: str, interval: int) -> None:
        trial = next(t for t in self.trials if t.name == name)
        if not self._cancel(name):
            return  # it ended meanwhile: nothing was stopped
        trial.terminated = True
        self.s.runs.log_batch(self.ws, name, LogBatch(tags={SWEEP_EARLY_TERMINATED: "true"}))
        self.log(
            f"[basalt] trial {trial.index} ({name}) stopped by the early-termination policy "
            f"at interval {interval}"
        )

    def _cancel(self, name: str) -> bool:
        """Ask a trial to stop; False when it had already ended."""
        try:
            self.s.job_runs.cancel(self.ws, name)
        except ConflictError:
            return False
        return True

    def _drain(self, sampler: Any = None, metric: str = "") -> None:
        """Cancel every active trial and wait (a while) for them to end."""
        for trial in self._active():
            self._cancel(trial.name)
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while self._active() and time.monotonic() < deadline:
            time.sleep(POLL_S / 2)
            if sampler is not None:
                self._poll(sampler, metric)
            else:
                for trial in self._active():
                    trial.status = self.s.runs.get_run(self.ws, trial.name).status

    # --- the end ------------------------------------------------------------------------------

    def _conclude(self, goal: str, metric: str) -> RunStatus:
        if self._reason == "cancel":
            self.log("[basalt] the sweep was canceled")
            error = RunError(type=RunErrorType.CANCELED, message="canceled by user")
            self._finish(RunStatus.CANCELED, error)
            return RunStatus.CANCELED
        self.s.runs.update_run(self.ws, self.name, RunUpdate(status=RunStatus.FINALIZING))
        done = [t for t in self.trials if t.status == RunStatus.COMPLETED and t.values]
        if not done:
            message = self._no_best_message(metric)
            self.log(f"[basalt] the sweep failed: {message}")
            self._finish(RunStatus.FAILED, RunError(type=RunErrorType.USER_CODE, message=message))
            return RunStatus.FAILED
        pick = max if goal == "maximize" else min
        best = pick(done, key=lambda t: t.values[-1])
        child = self.s.runs.get_run(self.ws, best.name)
        point = MetricPoint(key=f"best_{metric}", value=best.values[-1], timestamp=_now_ms())
        batch = LogBatch(metrics=[point], params=child.params, tags={SWEEP_BEST_TRIAL: best.name})
        self.s.runs.log_batch(self.ws, self.name, batch)
        self.s.runs.set_properties(self.ws, self.name, {SWEEP_BEST_TRIAL: best.name})
        stopped = sum(t.terminated for t in self.trials)
        self.log(
            f"[basalt] the sweep completed: {len(self.trials)} trials, {stopped} stopped early; "
            f"best trial {best.name} with {metric}={best.values[-1]:g} "
            f"({', '.join(f'{k}={_text(v)}' for k, v in best.params.items())})"
        )
        self._finish(RunStatus.COMPLETED, None)
        return RunStatus.COMPLETED

    def _no_best_message(self, metric: str) -> str:
        failed = [t for t in self.trials if t.status == RunStatus.FAILED]
        if failed and len(failed) == len(self.trials):
            first = failed[0]
            detail = f": {first.error}" if first.error else ""
            return f"all {len(failed)} trials failed; trial {first.name}{detail}"
        return (
            f"no trial completed with a value of the primary metric {metric!r}; log it in the "
            f"trial with basalt.log_metric({metric!r}, value) or mlflow.log_metric"
        )


def _text(value: Any) -> str:
    if isinstance(value, str | int | float | bool):
        from basalt.spec.expressions import literal_text

        return literal_text(value)
    return json.dumps(value)


def _now_ms() -> int:
    return int(time.time() * 1000)
