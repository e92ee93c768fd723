"""Preparing a claimed command job to run: working folder, environment, inputs, command.

The result is a *launch plan* (``launch.json`` in the job's folder): the rendered command, its
working folder and its environment variables, everything but the port of the in-job API. The
runner only has to start it.

Who prepares: when it is quick (the environment is cached and every input is a literal or a
local path) the scheduler pass does it before starting the runner, in a process that has
Basalt loaded already, so the runner can start the command before importing the store (the
create-to-first-line figure in docs/benchmarks.md). Otherwise the runner prepares it itself,
building the environment and fetching the inputs with their progress in the job's log.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from basalt.compute.local import LAUNCH_FILE
from basalt.config import environ_snapshot
from basalt.environments import materialize, resolve, tracking_overlay
from basalt.environments.materialize import MARKER
from basalt.services.data import DataService
from basalt.services.datastores import DEFAULT_DATASTORE, DatastoreService
from basalt.services.job_inputs import (
    InputSources,
    materialize_inputs,
    needs_fetching,
    output_paths,
)
from basalt.services.models import ModelService
from basalt.services.runs import RunService
from basalt.spec.environments import EnvironmentSpec
from basalt.spec.expressions import render
from basalt.spec.job_requests import LOG_PATH
from basalt.spec.job_secrets import secret_refs
from basalt.spec.jobs import CommandJob
from basalt.spec.runs import Run

_STRIP_PREFIXES = ("BASALT_", "MLFLOW_")

Log = Callable[[str], None]


@dataclass
class LaunchPlan:
    """What the runner starts: the command, where, with which variables and interpreter."""

    command: str
    cwd: str
    env: dict[str, str]
    python: str
    env_key: str
    outputs: dict[str, str]

    def save(self, job_dir: Path) -> Path:
        """Write the plan atomically as ``launch.json`` in the job's folder."""
        path = job_dir / LAUNCH_FILE
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(asdict(self)), encoding="utf-8")
        partial.replace(path)
        return path

    @classmethod
    def load(cls, job_dir: Path) -> LaunchPlan | None:
        """The plan in ``job_dir``, if the scheduler wrote one."""
        path = job_dir / LAUNCH_FILE
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


class JobPreparer:
    """Turns a claimed job's record into a launch plan on this machine.

    Args:
        runs: Run records (inputs from other runs' files).
        models: Model inputs and the content-addressed blobs of code snapshots.
        data: Data asset inputs.
        datastores: Datastore inputs.
        jobs_dir: Where job folders are made.
        envs_dir: The cache of materialized environments.
    """

    def __init__(
        self,
        runs: RunService,
        models: ModelService,
        data: DataService,
        datastores: DatastoreService,
        jobs_dir: Path,
        envs_dir: Path,
    ) -> None:
        self.runs = runs
        self.models = models
        self.sources = InputSources(runs, models, data, datastores)
        self.jobs_dir = jobs_dir
        self.envs_dir = envs_dir

    def job_dir(self, workspace: str, name: str) -> Path:
        """The job's folder (working folder ``wd/``, log, inputs, outputs, launch plan)."""
        return self.jobs_dir / workspace / name

    def quick(self, run: Run) -> bool:
        """Whether preparing ``run`` is quick: a cached environment and nothing to fetch."""
        spec = run.spec or {}
        if secret_refs((spec.get("job") or {}).get("environment_variables") or {}):
            return False  # only the runner reads secrets from the vault
        resolved = spec.get("resolved")
        if not isinstance(resolved, dict) or "environment" not in resolved:
            return False
        if needs_fetching(resolved.get("inputs", {})):
            return False
        env = resolve(EnvironmentSpec.model_validate(resolved["environment"]["content"]))
        return env.host_python or (self.envs_dir / env.key() / MARKER).is_file()

    def prepare(self, workspace: str, run: Run, log: Log) -> LaunchPlan:
        """Make the job's folder and its launch plan (building the environment if needed).

        Raises:
            InvalidArgumentError: The environment cannot be built, or the command not rendered.
            NotFoundError: An input's model or run has gone.
        """
        spec = run.spec or {}
        job = CommandJob.model_validate(spec["job"])
        resolved = spec["resolved"]
        job_dir = self.job_dir(workspace, run.name)
        wd = job_dir / "wd"
        if wd.exists():
            shutil.rmtree(wd)
        wd.mkdir(parents=True)
        if run.snapshot_id:
            self.models.blobs.restore(run.snapshot_id, wd)
        (wd / "outputs").mkdir(exist_ok=True)
        (wd / "logs").mkdir(exist_ok=True)

        env_spec = EnvironmentSpec.model_validate(resolved["environment"]["content"])
        wanted = resolve(env_spec)
        for note in wanted.notes:
            log(f"[basalt] environment: {note}")
        log(f"[basalt] environment {resolved['environment']['ref']} (key {wanted.key()[:12]})")
        built = materialize(wanted, self.envs_dir, log=log)
        for note in built.notes:
            if note not in wanted.notes:
                log(f"[basalt] environment: {note}")
        if built.built:
            log(f"[basalt] environment built in {built.seconds:.1f} s")

        inputs = materialize_inputs(
            self.sources, workspace, resolved["inputs"], job_dir / "inputs", log
        )
        outputs = output_paths(job, job_dir / "named-outputs")
        command = render(
            job.command,
            inputs=inputs,
            outputs={k: str(v) for k, v in outputs.items()},
            name=run.name,
            default_datastore=DEFAULT_DATASTORE,
        )
        env = self._variables(job, workspace, run, built.python, built.root)
        if built.root is not None and _python_version(built.python) != _this_python():
            log(
                "[basalt] note: this environment's Python differs from Basalt's, so "
                "`import basalt` is not available inside it; log with mlflow instead"
            )
            env.pop("BASALT_TRACKING_PATH", None)
        return LaunchPlan(
            command=command,
            cwd=str(wd),
            env=env,
            python=str(built.python),
            env_key=built.key,
            outputs={k: str(v) for k, v in outputs.items()},
        )

    def _variables(
        self, job: CommandJob, workspace: str, run: Run, python: Path, root: Path | None
    ) -> dict[str, str]:
        """The command's environment, but for the in-job API's URL (the runner adds it)."""
        env = {k: v for k, v in environ_snapshot().items() if not k.startswith(_STRIP_PREFIXES)}
        env.update({k: str(v) for k, v in job.environment_variables.items()})
        env["PATH"] = str(python.parent) + ":" + env.get("PATH", "")
        if root is not None:
            env["VIRTUAL_ENV"] = str(root)
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "BASALT_WORKSPACE_NAME": workspace,
                "BASALT_RUN_NAME": run.name,
                "MLFLOW_RUN_ID": run.name,
                "MLFLOW_EXPERIMENT_NAME": run.experiment_name,
                "AZUREML_RUN_ID": run.name,
            }
        )
        overlay = tracking_overlay(self.envs_dir) if root is not None else None
        if overlay is not None:
            env["BASALT_TRACKING_PATH"] = str(overlay)
        return env

    def log_to(self, workspace: str, name: str) -> Log:
        """A function appending lines to the job's log (what ``basalt job stream`` shows)."""
        path = self.job_dir(workspace, name) / LOG_PATH

        def log(line: str) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line.rstrip("\n") + "\n")

        return log


def _python_version(python: Path) -> str:
    cfg = python.parent.parent / "pyvenv.cfg"
    if cfg.is_file():
        for line in cfg.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version_info", "version"):
                return ".".join(value.strip().split(".")[:2])
    return python.resolve().name.removeprefix("python")


def _this_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"
