"""Jobs: submission (validate, resolve references, snapshot, queue), cancel and logs.

A job is a run with a spec (``kind="job"``). Submitting one checks everything that can be checked
before it runs: the compute target exists, the environment resolves (and its conda file maps to
PyPI), every input is given and of its declared type, and the command's ``${{...}}`` references
name declared inputs and outputs. The job is then ``Queued``; ``JobScheduler`` (services/
job_scheduler.py) starts its runner when its compute target has a free slot.

What the run's ``spec`` holds: ``job`` (the spec as submitted) and ``resolved`` (the environment's
content and cache key, the compute, each input as the runner will materialize it).

A sweep job (``type: sweep``) is validated the same way (its trial's command, code and
environment, plus every ``${{search_space.<x>}}`` declared) and queued as a parent run; its
runner (daemons/sweep_runner.py) samples trials and queues each through ``create_trial``.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.environments import curated, resolve
from basalt.errors import NotFoundError, invalid
from basalt.services.computes import ComputeService
from basalt.services.data import DataService
from basalt.services.datastores import DEFAULT_DATASTORE, DatastoreService
from basalt.services.environments import EnvironmentService
from basalt.services.lineage import LineageService
from basalt.services.models import ModelService
from basalt.services.runs import RunService
from basalt.services.secrets import SecretService
from basalt.spec.common import check_name
from basalt.spec.environments import EnvironmentSpec
from basalt.spec.expressions import literal_text, render
from basalt.spec.job_requests import COMPUTE_PROPERTY, JOB_TYPE_PROPERTY, JobCreate
from basalt.spec.job_secrets import secret_refs, substitute
from basalt.spec.jobs import CommandJob, InputType, JobInput, Literal_, SweepJob, parse_job
from basalt.spec.references import (
    AssetRef,
    DatastorePath,
    JobOutputRef,
    LocalPath,
    RemoteUri,
    RunPathRef,
    classify,
    parse_asset_ref,
    strip_compute,
)
from basalt.spec.runs import Run, RunCreate, RunStatus

logger = logging.getLogger(__name__)

DEFAULT_COMPUTE = "local"
RESERVED_OUTPUT_NAMES = frozenset({"outputs", "logs", "user_logs", "system_logs", "artifacts"})
"""Output names that would collide with the folders every job's files already have."""
_MODEL_INPUTS = {InputType.MLFLOW_MODEL, InputType.CUSTOM_MODEL, InputType.TRITON_MODEL}
_LITERALS = {InputType.STRING, InputType.INTEGER, InputType.NUMBER, InputType.BOOLEAN}
_ENV_META_KEYS = ("name", "version", "description", "tags", "properties", "$schema")
_SEARCH_REF = re.compile(r"\$\{\{\s*search_space\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class JobService:
    """Submission-side rules of jobs.

    Args:
        runs: The run records jobs are.
        computes: Compute targets (a job must name an existing one).
        environments: Workspace environments (references resolve against them).
        models: Model inputs resolve against the registry.
        data: Data inputs (``azureml:name:version`` of a uri_file/uri_folder/mltable) too.
        datastores: ``azureml://datastores/...`` paths (the default datastore for now).
        blobs: Content-addressed store of uploaded code and input files.
        kick: Called after a job is queued (embedded mode: a scheduler pass that may start it).
    """

    def __init__(
        self,
        runs: RunService,
        computes: ComputeService,
        environments: EnvironmentService,
        models: ModelService,
        data: DataService,
        datastores: DatastoreService,
        blobs: SnapshotStore,
        kick: Callable[[], object] | None = None,
        secrets: SecretService | None = None,
        lineage: LineageService | None = None,
    ) -> None:
        self.runs = runs
        self.computes = computes
        self.environments = environments
        self.models = models
        self.data = data
        self.datastores = datastores
        self.blobs = blobs
        self.kick = kick
        self.secrets = secrets
        self.lineage = lineage

    def create(self, workspace: str, body: JobCreate) -> Run:
        """Validate and queue a job (command or sweep); return its run (``Queued``).

        A sweep is queued as a parent run (property ``basalt.job_type=sweep``) whose runner
        creates its trials, each a child command job (see ``create_trial``).

        Raises:
            InvalidArgumentError: A bad spec, a missing required input, a bad reference, or a
                sweep without Optuna installed.
            NotFoundError: The compute target, environment or an input asset does not exist.
        """
        job = parse_job(dict(body.job))
        sweep = isinstance(job, SweepJob)
        if sweep and importlib.util.find_spec("optuna") is None:
            raise invalid(
                "type",
                "sweep jobs sample their trials with Optuna, which is not installed; "
                "run: pip install 'basalt[sweep]'",
            )
        runnable = job.trial if isinstance(job, SweepJob) else job
        compute = strip_compute(job.compute or DEFAULT_COMPUTE)
        self.computes.get(workspace, compute)  # NotFoundError says how to create it
        env_ref, env_spec = self.resolve_environment(workspace, runnable.environment)
        resolved_env = resolve(env_spec)  # conda names that do not map fail here, not later
        for out in job.outputs:
            check_name(out, "outputs")
            if out in RESERVED_OUTPUT_NAMES:
                raise invalid(f"outputs.{out}", f"output name {out!r} is reserved; rename it")
        inputs = {k: self._resolve_input(workspace, k, v, body) for k, v in job.inputs.items()}
        space = set(job.search_space) if isinstance(job, SweepJob) else set()
        _check_command(runnable.command, job, inputs, space)
        self._check_secrets(workspace, runnable.environment_variables)
        snapshot_id = None
        if body.code_files is not None:
            snapshot_id = self.blobs.write_manifest(_snapshot_files(body.code_files))
        properties = {COMPUTE_PROPERTY: compute}
        if sweep:
            properties[JOB_TYPE_PROPERTY] = "sweep"
        if body.git is not None:
            for key, value in body.git.model_dump(exclude_none=True).items():
                properties[f"basalt.git.{key}"] = str(value)
        # A sweep's params are its best trial's, recorded when it ends.
        params = {} if sweep else _literal_params(inputs)
        return self._queue(
            workspace,
            RunCreate(
                name=job.name,
                experiment_name=job.experiment_name or "Default",
                display_name=job.display_name,
                description=job.description or "",
                status=RunStatus.QUEUED,
                tags=dict(job.tags),
                params=params,
                properties=properties,
                spec={
                    "job": job.model_dump(mode="json", by_alias=True, exclude_none=True),
                    "resolved": {
                        "compute": compute,
                        "environment": {
                            "ref": env_ref,
                            "content": env_spec.model_dump(mode="json", exclude_none=True),
                            "key": resolved_env.key(),
                        },
                        "inputs": inputs,
                    },
                },
                snapshot_id=snapshot_id,
                created_by=body.created_by,
            ),
        )

    def _check_secrets(self, workspace: str, env: Mapping[str, str]) -> None:
        """Refuse a job whose ``${{secrets.X}}`` names a secret the vault lacks."""
        if self.secrets is None:
            return
        known = {s.name for s in self.secrets.list_secrets(workspace)}
        for name in sorted(secret_refs(env) - known):
            raise NotFoundError(
                f"environment_variables reference secret '{name}', which is not in the "
                f"workspace's vault: set it with `basalt secret set {name}`",
                details={"secret": name},
            )

    def reveal_secrets(
        self, workspace: str, env: Mapping[str, str]
    ) -> tuple[dict[str, str], list[str]]:
        """``env`` with its secret references filled in from the vault, and the values used.

        Called only by a job's runner, right before the command starts (the values are never
        stored); the runner masks the values in the command's output.

        Raises:
            NotFoundError: A referenced secret was deleted after submission.
        """
        names = secret_refs(env)
        if not names:
            return dict(env), []
        if self.secrets is None:
            raise NotFoundError("this job references vault secrets, but no vault is configured")
        values = {
            n: self.secrets.reveal_secret(workspace, n).value.get_secret_value() for n in names
        }
        return substitute(env, values.__getitem__), list(values.values())

    def create_trial(
        self, workspace: str, parent: Run, params: Mapping[str, Literal_], *, index: int
    ) -> Run:
        """Queue trial ``index`` of the sweep ``parent``: a child command job.

        The trial's command gets ``params`` in place of its ``${{search_space.<x>}}``
        references; each sampled value is also a param of the child. The child reuses what
        the sweep resolved at submission (compute, environment, inputs) and its code snapshot,
        so nothing is uploaded or resolved again. Trial outputs are not registered as assets
        (``name``/``version`` are dropped): one sweep would register one version per trial.

        Raises:
            InvalidArgumentError: ``params`` misses a search-space parameter.
            NotFoundError: The parent no longer exists.
        """
        spec = parent.spec if isinstance(parent.spec, dict) else {}
        sweep = SweepJob.model_validate(spec["job"])
        missing = sorted(set(sweep.search_space) - set(params))
        if missing:
            raise invalid("params", f"trial parameters miss {', '.join(missing)}")
        trial = sweep.trial.model_dump(mode="json", exclude_none=True)
        trial["command"] = _SEARCH_REF.sub(
            lambda m: literal_text(params[m["key"]]), sweep.trial.command
        )
        dumped = sweep.model_dump(mode="json", by_alias=True, exclude_none=True)
        outputs = {
            k: {f: v for f, v in out.items() if f not in ("name", "version")}
            for k, out in dumped.get("outputs", {}).items()
        }
        child: dict[str, Any] = {
            **trial,
            "type": "command",
            "inputs": dumped.get("inputs", {}),
            "outputs": outputs,
            "experiment_name": parent.experiment_name,
            "display_name": f"{parent.display_name or parent.name} trial {index}",
            "tags": dict(sweep.tags),
        }
        if sweep.compute:
            child["compute"] = sweep.compute
        if sweep.limits.trial_timeout is not None:
            child["limits"] = {"timeout": sweep.limits.trial_timeout}
        job = CommandJob.model_validate(child)
        resolved = spec["resolved"]
        properties = {COMPUTE_PROPERTY: resolved["compute"]}
        properties.update(
            {k: v for k, v in parent.properties.items() if k.startswith("basalt.git.")}
        )
        trial_params = _literal_params(resolved["inputs"])
        trial_params.update({k: literal_text(v) for k, v in params.items()})
        return self._queue(
            workspace,
            RunCreate(
                name=f"{parent.name}_{index}",
                experiment_name=parent.experiment_name,
                display_name=job.display_name,
                status=RunStatus.QUEUED,
                tags=dict(job.tags),
                params=trial_params,
                properties=properties,
                parent_name=parent.name,
                spec={
                    "job": job.model_dump(mode="json", by_alias=True, exclude_none=True),
                    "resolved": resolved,
                },
                snapshot_id=parent.snapshot_id,
                created_by=parent.created_by,
            ),
        )

    def _queue(self, workspace: str, body: RunCreate) -> Run:
        run = self.runs.create_run(workspace, body)
        if self.lineage is not None:
            resolved = (body.spec or {}).get("resolved", {}).get("inputs", {})
            self.lineage.record_inputs(workspace, run.name, resolved)
        logger.info(
            "queued job %s on %s/%s", run.name, workspace, body.properties[COMPUTE_PROPERTY]
        )
        if self.kick is not None:
            self.kick()
            run = self.runs.get_run(workspace, run.name)
        return run

    # --- references ---------------------------------------------------------------------------

    def resolve_environment(
        self, workspace: str, ref: str | dict[str, Any] | None
    ) -> tuple[str, EnvironmentSpec]:
        """An environment reference or inline spec → (a description of it, its content).

        Raises:
            NotFoundError: Names neither a workspace nor a curated environment.
            InvalidArgumentError: An inline environment with unknown keys.
        """
        if ref is None:
            return "none", EnvironmentSpec()
        if isinstance(ref, dict):
            body = {k: v for k, v in ref.items() if k not in _ENV_META_KEYS}
            try:
                return "inline", EnvironmentSpec.model_validate(body)
            except ValueError as exc:
                raise invalid("environment", f"inline environment: {exc}") from None
        # NOTE: an environment is always a reference here (inline ones are dicts), so a bare
        # ``sklearn@latest`` or ``name:2`` is read as one, as Azure ML's SDK reads it.
        target = parse_asset_ref(ref, "environment")
        plain = target.version is None and target.label in (None, "latest")
        found = curated(target.name) if target.registry is not None or plain else None
        if target.registry is not None and found is not None:
            return f"curated:{target.name}", found
        label = target.label if target.version is None else None
        try:
            env = self.environments.get(workspace, target.name, target.version, label)
        except NotFoundError:
            if found is not None:  # the workspace's own environment of that name wins
                return f"curated:{target.name}", found
            where = f"registry '{target.registry}'" if target.registry else "this workspace"
            raise NotFoundError(
                f"Environment {ref!r} was not found: looked for '{target.name}' "
                f"(version {target.version or target.label or 'latest'}) in {where} and among "
                "Basalt's curated environments; see `basalt environment list` or create it with "
                "`basalt environment create -f env.yml`",
                details={"environment": ref},
            ) from None
        return f"{env.name}:{env.version}", env.content()

    def _resolve_input(
        self, workspace: str, name: str, spec: JobInput, body: JobCreate
    ) -> dict[str, Any]:
        """How the runner gets one input, checked now so a bad one fails at submission."""
        kind = InputType(spec.type)
        value = spec.value if spec.value is not None else spec.default
        if kind in _LITERALS:
            if value is None and not spec.optional:
                raise invalid(f"inputs.{name}", f"input {name!r} needs a value (or optional: true)")
            return {"kind": "literal", "type": kind.value, "value": _check_literal(name, spec)}
        path = spec.path
        if path is None:
            if spec.optional:
                return {"kind": "absent", "type": kind.value}
            raise invalid(f"inputs.{name}", f"input {name!r} of type {kind.value} needs a path")
        mode = spec.mode.value if spec.mode else None
        base = {"type": kind.value, "mode": mode}
        if name in body.input_files:
            files = _snapshot_files(body.input_files[name])
            return {**base, "kind": "snapshot", "snapshot": self.blobs.write_manifest(files)}
        target = classify(path)
        if isinstance(target, LocalPath):
            if not body.local_inputs:
                raise invalid(
                    f"inputs.{name}",
                    f"input {name!r} is the local path {path!r}: upload its files first "
                    "(the SDK does this)",
                )
            if not Path(target.path).exists():
                raise invalid(f"inputs.{name}", f"input {name!r}: no such file or folder {path!r}")
            return {**base, "kind": "local", "path": str(Path(target.path).resolve())}
        if isinstance(target, AssetRef):
            if kind in _MODEL_INPUTS:
                model = self.models.get(workspace, target.name, target.version, target.label)
                return {**base, "kind": "model", "name": model.name, "version": model.version}
            data = self.data.get(workspace, target.name, target.version, target.label)
            return {**base, "kind": "data", "name": data.name, "version": data.version}
        if isinstance(target, JobOutputRef | RunPathRef):
            run_name = target.job if isinstance(target, JobOutputRef) else target.run
            self.runs.get_run(workspace, run_name)  # NotFoundError names the run
            inner = _run_inner_path(target)
            return {**base, "kind": "run", "run": run_name, "path": inner}
        if isinstance(target, RemoteUri):
            return {**base, "kind": "uri", "uri": path}
        if isinstance(target, DatastorePath):
            datastore = target.datastore.replace("${{default_datastore}}", DEFAULT_DATASTORE)
            self.datastores.prefix(workspace, datastore, target.path)  # NotFoundError names it
            return {**base, "kind": "datastore", "datastore": datastore, "path": target.path}
        raise invalid(f"inputs.{name}", f"input {name!r}: cannot use path {path!r}")


def _run_inner_path(target: JobOutputRef | RunPathRef) -> str:
    """The path inside a run's files that a job-output or run URI names."""
    if isinstance(target, RunPathRef):
        return target.path.strip("/")
    # ``artifacts`` is Azure ML's default output: the run's files themselves.
    head = "" if target.output in ("artifacts", "default") else target.output
    return "/".join(p for p in (head, (target.path or "").strip("/")) if p)


def _snapshot_files(files: list[Any]) -> list[SnapshotFile]:
    return [SnapshotFile(f.path, f.sha256, f.size) for f in files]


def _check_literal(name: str, spec: JobInput) -> Any:
    """The literal's value, checked against its declared type, range and choices."""
    value = spec.value if spec.value is not None else spec.default
    if value is None:
        return None
    kind = InputType(spec.type)
    try:
        if kind == InputType.INTEGER:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            value = int(value)
        elif kind == InputType.NUMBER:
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        elif kind == InputType.BOOLEAN:
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise ValueError
        else:
            value = str(value)
    except (TypeError, ValueError):
        raise invalid(
            f"inputs.{name}", f"input {name!r} must be {kind.value}, got {value!r}"
        ) from None
    if spec.min is not None and isinstance(value, int | float) and value < spec.min:
        raise invalid(f"inputs.{name}", f"input {name!r} = {value} is below its min {spec.min}")
    if spec.max is not None and isinstance(value, int | float) and value > spec.max:
        raise invalid(f"inputs.{name}", f"input {name!r} = {value} is above its max {spec.max}")
    if spec.enum and value not in spec.enum:
        raise invalid(f"inputs.{name}", f"input {name!r} = {value!r} is not one of {spec.enum}")
    return value


def _literal_params(inputs: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The literal inputs that have a value, as run params."""
    return {
        k: literal_text(v["value"])
        for k, v in inputs.items()
        if v["kind"] == "literal" and v["value"] is not None
    }


def _check_command(
    command: str,
    job: CommandJob | SweepJob,
    inputs: dict[str, dict[str, Any]],
    search_space: set[str],
) -> None:
    """Render the command once with stand-in values, so a bad reference fails at submission."""
    given: dict[str, str | None] = {}
    for name, item in inputs.items():
        if item["kind"] == "absent" or (item["kind"] == "literal" and item["value"] is None):
            given[name] = None
        else:
            given[name] = "x"
    render(
        command,
        inputs=given,
        outputs={o: "x" for o in job.outputs},
        search_space={k: "x" for k in search_space},
        name=job.name or "job",
        default_datastore=DEFAULT_DATASTORE,
    )
