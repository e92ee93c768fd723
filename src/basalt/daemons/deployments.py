"""The deployment supervisor: desired deployments in the store → running scoring workers.

A thread that, every pass (0.1 s while anything starts, else 0.5 s), compares
``DeploymentService.desired()`` with the workers it runs:

- a new generation of a deployment is prepared in a thread of its own (``prepare_folder``,
  then the environment materialized as for jobs: a cached uv venv, or Basalt's own Python for
  ``image:``-only environments), then ``instance_count`` workers are started, each on a free
  loopback port with its console in ``<folder>/logs/worker-<i>.log``;
- once every worker answers ``/ready`` the generation is reported ``Succeeded`` and published
  to the routing table the gateway reads; only then is the previous generation drained (the
  gateway's requests in flight on it answered) and stopped: an update drops no request;
- a worker that exits gets no traffic and is restarted with backoff (1, 2, 4 ... 30 s); a ready
  worker failing its liveness probe ``failure_threshold`` times is killed and restarted;
- a generation that never became ready is reported ``Failed`` with the worker's log tail at
  its first ``init()`` failure (exit status 3) or when its readiness probe gives up; it keeps
  being retried with backoff, so a passing cause (a file not there yet) heals by itself;
- a deployment no longer desired has its workers stopped and its route removed.

On start every desired deployment is started again, so endpoints come back with the server.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from basalt.config import environ_snapshot
from basalt.daemons.deployment_workers import (
    ManagedWorker,
    WorkerLaunch,
    WorkerState,
)
from basalt.environments import materialize, resolve
from basalt.errors import BasaltError
from basalt.serving import nocode_score
from basalt.serving import worker as worker_script
from basalt.serving.collection import collection_settings
from basalt.serving.routing import DeploymentRoute, RoutingTable
from basalt.spec.endpoints import DesiredDeployment, ProvisioningState
from basalt.spec.environments import EnvironmentSpec

logger = logging.getLogger(__name__)

IDLE_INTERVAL_S = 0.5
BUSY_INTERVAL_S = 0.1
_STRIP_PREFIXES = ("BASALT_", "MLFLOW_")

Key = tuple[str, str, str]


class DeploymentControl(Protocol):
    """What the supervisor needs of ``services.deployments``."""

    def desired(self, workspace: str | None = None) -> list[DesiredDeployment]:
        """Every deployment that should run."""

    def prepare_folder(self, desired: DesiredDeployment) -> object:
        """Fill the generation's folder with ``model/`` and ``code/`` (idempotent)."""

    def report(
        self,
        workspace: str,
        endpoint: str,
        deployment: str,
        generation: int,
        state: ProvisioningState,
        error: str | None = None,
    ) -> object:
        """Record the observed state of one generation."""


@dataclass
class Generation:
    """One generation of one deployment: its preparation, workers and reported state."""

    desired: DesiredDeployment
    workers: list[ManagedWorker] = field(default_factory=list)
    preparing: threading.Thread | None = None
    prepare_error: str | None = None
    launch: WorkerLaunch | None = None
    reported: ProvisioningState | None = None
    serving: bool = False
    draining_since: float | None = None
    stopped: bool = False
    published: tuple[int, ...] = ()

    @property
    def key(self) -> Key:
        """``(workspace, endpoint, deployment)``."""
        d = self.desired
        return (d.workspace, d.endpoint, d.deployment)


@dataclass
class _Deployment:
    current: Generation | None = None  # the generation serving (or the first one, starting)
    pending: Generation | None = None  # a newer one starting while ``current`` serves
    retired: list[Generation] = field(default_factory=list)  # draining or stopping


class DeploymentSupervisor:
    """Reconciles desired deployments with worker processes, in a thread.

    Args:
        control: ``services.deployments`` (desired state in, observed state out).
        routing: The table the gateway reads.
        envs_dir: The cache of materialized environments (``settings.envs_dir()``).
        remote_gateways: The gateways run in other processes (``--workers N``): their
            requests in flight are not visible here, so a retired generation is stopped only
            after the longest a request may take.
    """

    def __init__(
        self,
        control: DeploymentControl,
        routing: RoutingTable,
        envs_dir: Path,
        *,
        remote_gateways: bool = False,
    ) -> None:
        self.control = control
        self.routing = routing
        self.envs_dir = envs_dir
        self.remote_gateways = remote_gateways
        self._deployments: dict[Key, _Deployment] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="basalt-deployments", daemon=True)

    def start(self) -> None:
        """Start the loop."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop, then every worker (each finishing its requests first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        everything = [g for d in self._deployments.values() for g in _generations(d)]
        for gen in everything:
            for w in gen.workers:
                w.stop(grace=5.0)
        deadline = time.monotonic() + 6.0
        while time.monotonic() < deadline and not all(
            w.reap() for g in everything for w in g.workers
        ):
            time.sleep(0.05)

    def _loop(self) -> None:
        interval = 0.0
        while not self._stop.wait(interval):
            try:
                busy = self.reconcile()
            except BasaltError as exc:
                logger.warning("deployment supervisor pass failed: %s", exc)
                busy = False
            except Exception:
                logger.exception("deployment supervisor pass failed")
                busy = False
            interval = BUSY_INTERVAL_S if busy else IDLE_INTERVAL_S

    def reconcile(self) -> bool:
        """One pass; True while something is starting (the next pass comes sooner)."""
        wanted = {(d.workspace, d.endpoint, d.deployment): d for d in self.control.desired()}
        for key, desired in wanted.items():
            self._want(key, desired)
        for key in [k for k in self._deployments if k not in wanted]:
            self._forget(key)
        busy = False
        for dep in self._deployments.values():
            busy = self._step(dep) or busy
        self._deployments = {
            k: d for k, d in self._deployments.items() if d.current or d.pending or d.retired
        }
        return busy

    # --- desired state -------------------------------------------------------------------------

    def _want(self, key: Key, desired: DesiredDeployment) -> None:
        dep = self._deployments.setdefault(key, _Deployment())
        newest = dep.pending or dep.current
        if newest is not None and newest.desired.generation >= desired.generation:
            return
        gen = Generation(desired)
        if dep.current is None or not dep.current.serving:
            if dep.current is not None:
                self._retire(dep, dep.current)
            dep.current = gen
        else:
            if dep.pending is not None:
                self._retire(dep, dep.pending)
            dep.pending = gen
        self._prepare(gen)

    def _forget(self, key: Key) -> None:
        dep = self._deployments[key]
        self.routing.remove(*key)
        for gen in (dep.current, dep.pending):
            if gen is not None:
                self._retire(dep, gen)
        dep.current = dep.pending = None

    def _retire(self, dep: _Deployment, gen: Generation) -> None:
        gen.draining_since = time.monotonic()
        gen.serving = False
        dep.retired.append(gen)

    # --- preparing -----------------------------------------------------------------------------

    def _prepare(self, gen: Generation) -> None:
        def run() -> None:
            try:
                gen.launch = self._launch(gen.desired)
            except BasaltError as exc:
                gen.prepare_error = exc.message
            except Exception as exc:
                logger.exception("preparing deployment %s failed", gen.key)
                gen.prepare_error = f"{type(exc).__name__}: {exc}"

        gen.preparing = threading.Thread(target=run, name="basalt-deployment-prepare", daemon=True)
        gen.preparing.start()

    def _launch(self, d: DesiredDeployment) -> WorkerLaunch:
        """Prepare the folder and the environment: how every worker of ``d`` starts.

        Raises:
            BasaltError: The folder or the environment cannot be made.
        """
        self.control.prepare_folder(d)
        # No code_configuration: the model carries its own loader (MLflow, a pickled estimator,
        # ONNX), served by Basalt's no-code scoring script from its own folder.
        script = d.scoring_script or str(Path(nocode_score.__file__).resolve())
        Path(d.code_dir).mkdir(parents=True, exist_ok=True)
        log_dir = Path(d.log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        python = Path(sys.executable)
        root: Path | None = None
        if d.environment_spec:
            wanted = resolve(EnvironmentSpec.model_validate(d.environment_spec))
            with (log_dir / "environment.log").open("a", encoding="utf-8") as log:

                def note(line: str) -> None:
                    log.write(line + "\n")

                built = materialize(wanted, self.envs_dir, log=note)
            python, root = built.python, built.root
        env = {k: v for k, v in environ_snapshot().items() if not k.startswith(_STRIP_PREFIXES)}
        env.update(d.environment_variables)
        env.update(
            {
                "AZUREML_MODEL_DIR": d.model_dir,
                "PYTHONUNBUFFERED": "1",
                "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
            }
        )
        if root is not None:
            env["VIRTUAL_ENV"] = str(root)
        return WorkerLaunch(
            python=str(python),
            script=script,
            code_dir=Path(d.code_dir),
            log_dir=log_dir,
            run_dir=Path(d.folder),
            env=env,
            deployment=d.deployment,
            generation=d.generation,
        )

    # --- one pass over one deployment ----------------------------------------------------------

    def _step(self, dep: _Deployment) -> bool:
        busy = False
        for gen in (dep.current, dep.pending):
            if gen is not None:
                busy = self._step_generation(gen) or busy
        pending = dep.pending
        if pending is not None and pending.serving:
            # NOTE: the new generation is ready and published: the old one takes no new
            # request from here on, and is stopped once its requests in flight are answered.
            if dep.current is not None:
                self._retire(dep, dep.current)
            dep.current, dep.pending = pending, None
        for gen in list(dep.retired):
            if self._drain(gen):
                dep.retired.remove(gen)
        return busy

    def _step_generation(self, gen: Generation) -> bool:
        if gen.preparing is not None and gen.preparing.is_alive():
            return True
        d = gen.desired
        if gen.prepare_error is not None:
            self._report(gen, ProvisioningState.FAILED, gen.prepare_error)
            return False
        if gen.launch is None:
            return True
        if not gen.workers:
            gen.workers = [ManagedWorker(gen.launch, i) for i in range(d.instance_count)]
            for w in gen.workers:
                w.start()
        busy = False
        for w in gen.workers:
            busy = self._step_worker(gen, w) or busy
        ready = [w for w in gen.workers if w.state == WorkerState.READY]
        if not gen.serving and len(ready) == len(gen.workers):
            gen.serving = True
            self._publish(gen)
            self._report(gen, ProvisioningState.SUCCEEDED)
        elif gen.serving:
            self._publish(gen)
        return busy or not gen.serving

    def _step_worker(self, gen: Generation, w: ManagedWorker) -> bool:
        now = time.monotonic()
        d = gen.desired
        code = w.exited()
        if code is not None:
            if w.state == WorkerState.WAITING:  # not a stop we asked for: it is restarted
                self.routing.telemetry.restart((d.workspace, d.endpoint, d.deployment))
            if not gen.serving and code == worker_script.EXIT_INIT_FAILED:
                tail = w.log_tail()
                self._report(gen, ProvisioningState.FAILED, f"init() failed:\n{tail}")
            logger.warning(
                "worker %s of deployment %s exited with status %s; restarting in %.0f s",
                w.index,
                d.deployment,
                code,
                max(0.0, w.restart_at - now),
            )
            return True
        if w.state == WorkerState.WAITING:
            if now >= w.restart_at:
                w.start()
            return True
        if w.state == WorkerState.STARTING:
            probe = d.readiness_probe
            if now - w.started_at < probe.initial_delay:
                return True
            if w.port() is not None and w.probe("/ready", probe.timeout):
                w.mark_ready()
                w.next_live = now + d.liveness_probe.period
                return True
            limit = probe.initial_delay + probe.period * probe.failure_threshold + probe.timeout
            if now - w.started_at > limit:
                w.kill(f"not ready after {limit} s (readiness_probe)")
                if not gen.serving:
                    self._report(
                        gen,
                        ProvisioningState.FAILED,
                        f"worker {w.index} was not ready after {limit} s "
                        f"(readiness_probe); its log ends with:\n{w.log_tail()}",
                    )
            return True
        if w.state == WorkerState.READY and now >= w.next_live:
            probe = d.liveness_probe
            w.next_live = now + probe.period
            if w.probe("/live", probe.timeout):
                w.live_failures = 0
            else:
                w.live_failures += 1
                if w.live_failures >= probe.failure_threshold:
                    w.kill(f"liveness probe failed {w.live_failures} times")
        return False

    def _publish(self, gen: Generation) -> None:
        """Publish the generation's ready workers when they changed."""
        ready = tuple(w.index for w in gen.workers if w.state == WorkerState.READY)
        if ready == gen.published and gen.published:
            return
        gen.published = ready
        d = gen.desired
        rs = d.request_settings
        self.routing.publish(
            d.workspace,
            d.endpoint,
            DeploymentRoute(
                deployment=d.deployment,
                generation=d.generation,
                workers=tuple(
                    w.slot for w in gen.workers if w.slot is not None and w.index in ready
                ),
                max_concurrent=rs.max_concurrent_requests_per_instance,
                max_queue_wait_ms=rs.max_queue_wait_ms,
                request_timeout_ms=rs.request_timeout_ms,
                collection=collection_settings(d.data_collector),
            ),
        )

    def _drain(self, gen: Generation) -> bool:
        """Stop a retired generation once the gateway has no request on it; True when gone."""
        if gen.preparing is not None and gen.preparing.is_alive():
            return False  # stopped once preparing ends (a thread cannot be interrupted)
        if not gen.stopped:
            rs = gen.desired.request_settings
            waited = time.monotonic() - (gen.draining_since or 0.0)
            limit = (rs.request_timeout_ms + rs.max_queue_wait_ms) / 1000 + 1.0
            inflight = sum(w.slot.inflight for w in gen.workers if w.slot is not None)
            inflight += int(self.remote_gateways)  # unknown: assume one until the limit
            # NOTE: a short pause even when idle: a request may have picked a worker of this
            # generation just before the new route was published.
            if waited < 0.05 or (inflight and waited < limit):
                return False
            for w in gen.workers:
                w.stop()
            gen.stopped = True
        return all(w.reap() for w in gen.workers)

    def _report(self, gen: Generation, state: ProvisioningState, error: str | None = None) -> None:
        if gen.reported == state:
            return
        d = gen.desired
        try:
            self.control.report(d.workspace, d.endpoint, d.deployment, d.generation, state, error)
        except BasaltError as exc:
            logger.warning("cannot report deployment %s state: %s", d.deployment, exc)
            return
        gen.reported = state


def _generations(dep: _Deployment) -> list[Generation]:
    return [g for g in (dep.current, dep.pending, *dep.retired) if g is not None]
