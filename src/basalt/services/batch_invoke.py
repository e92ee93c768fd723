"""Invoking a batch endpoint: a scoring job on one of its deployments.

``invoke`` submits an ordinary command job through ``JobService`` (so it shows in ``basalt job
list/show/logs`` and runs on the deployment's compute through the scheduler). Its code snapshot
is the deployment's code plus ``_basalt_batch/driver.py`` (``serving/batch_driver.py``, a
standard-library script) and ``_basalt_batch/config.json`` (the deployment's settings); a
deployment without code gets ``_basalt_batch/nocode_batch.py`` (``serving/nocode_batch.py``)
as its scoring script. Its inputs are the data to score (``input_data``) and the deployment's
model (``model``); its output ``score`` receives ``output_file_name`` and ``progress.json``.
The driver logs the metrics ``mini_batches_done/failed/total``, which ``list_jobs`` shows.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from basalt.artifacts.snapshots import SnapshotStore
from basalt.services.batch_deployments import BatchDeploymentService
from basalt.services.jobs import JobService
from basalt.services.runs import RunService
from basalt.serving import batch_driver, nocode_batch
from basalt.spec.batch_endpoints import (
    BATCH_DEPLOYMENT_TAG,
    BATCH_ENDPOINT_TAG,
    SCORE_OUTPUT,
    BatchInvokeRequest,
    BatchJobProgress,
    BatchResources,
    BatchSettings,
)
from basalt.spec.job_requests import JobCreate
from basalt.spec.models import ModelFile
from basalt.spec.references import LocalPath, classify
from basalt.spec.runs import Run, RunListQuery

__all__ = ["BatchInvokeService"]

DRIVER_PATH = "_basalt_batch/driver.py"
CONFIG_PATH = "_basalt_batch/config.json"
NOCODE_PATH = "_basalt_batch/nocode_batch.py"
COMMAND = (
    f"python {DRIVER_PATH} --config {CONFIG_PATH} --input ${{{{inputs.input_data}}}} "
    f"--model ${{{{inputs.model}}}} --output ${{{{outputs.{SCORE_OUTPUT}}}}}"
)


class BatchInvokeService:
    """Turns an invocation into a job, and lists an endpoint's jobs with their progress.

    Args:
        deployments: The batch deployments (which one runs, and its stored spec).
        jobs: Job submission.
        runs: The run records (listing an endpoint's jobs).
        blobs: The content-addressed blobs (the driver and its config are stored there).
    """

    def __init__(
        self,
        deployments: BatchDeploymentService,
        jobs: JobService,
        runs: RunService,
        blobs: SnapshotStore,
    ) -> None:
        self.deployments = deployments
        self.jobs = jobs
        self.runs = runs
        self.blobs = blobs

    def invoke(self, workspace: str, endpoint: str, body: BatchInvokeRequest) -> Run:
        """Start a scoring job of ``body.input`` on the named (or default) deployment.

        Raises:
            NotFoundError: No such endpoint, deployment, data asset or compute.
            InvalidArgumentError: No deployment to run; a local input whose files were not
                sent.
        """
        dep, spec = self.deployments.record(workspace, endpoint, body.deployment_name)
        settings = BatchSettings.model_validate(spec.get("settings") or {})
        resources = BatchResources.model_validate(spec.get("resources") or {})
        code = spec.get("code_configuration") or {}
        config = {
            "endpoint": endpoint,
            "deployment": dep.name,
            # NOTE: a deployment without code runs the built-in no-code script, shipped with
            # the driver; code_dir is the snapshot's root, so the path is relative to it.
            "scoring_script": code.get("scoring_script") or NOCODE_PATH,
            "code_dir": ".",
            "model_dir_name": spec.get("model_dir_name") or "",
            "instance_count": resources.instance_count,
            "max_concurrency_per_instance": settings.max_concurrency_per_instance,
            "mini_batch_size": settings.mini_batch_size,
            "output_action": settings.output_action.value,
            "output_file_name": settings.output_file_name,
            "max_retries": settings.retry_settings.max_retries,
            "timeout": settings.retry_settings.timeout,
            "error_threshold": settings.error_threshold,
            "logging_level": settings.logging_level,
        }
        files: list[ModelFile] = []
        if spec.get("code_manifest"):
            files = [
                ModelFile(path=f.path, sha256=f.sha256, size=f.size)
                for f in self.blobs.manifest(str(spec["code_manifest"]))
                if not f.path.startswith("_basalt_batch/")
            ]
        driver = Path(batch_driver.__file__).read_bytes()
        files.append(self._put(DRIVER_PATH, driver))
        files.append(self._put(CONFIG_PATH, json.dumps(config, indent=1).encode()))
        if not code:
            files.append(self._put(NOCODE_PATH, Path(nocode_batch.__file__).read_bytes()))
        job: dict[str, Any] = {
            "type": "command",
            "command": COMMAND,
            "inputs": {
                "input_data": {"type": _input_type(body), "path": body.input},
                "model": {"type": "custom_model", "path": f"azureml:{dep.model}"},
            },
            "outputs": {SCORE_OUTPUT: {"type": "uri_folder"}},
            "compute": dep.compute,
            "experiment_name": body.experiment_name or endpoint,
            "display_name": f"{endpoint}-{dep.name}",
            "description": f"Batch scoring on endpoint {endpoint}, deployment {dep.name}",
            "tags": {BATCH_ENDPOINT_TAG: endpoint, BATCH_DEPLOYMENT_TAG: dep.name},
            "environment_variables": dict(settings.environment_variables),
        }
        if spec.get("environment_request") is not None:
            job["environment"] = spec["environment_request"]
        request = JobCreate(
            job=job,
            code_files=files,
            input_files={"input_data": body.input_files} if body.input_files else {},
            local_inputs=body.local_input,
            created_by=body.created_by,
        )
        return self.jobs.create(workspace, request)

    def list_jobs(self, workspace: str, endpoint: str) -> builtins.list[BatchJobProgress]:
        """The endpoint's jobs, newest first, with their mini-batch progress.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        self.deployments.endpoints.get(workspace, endpoint)
        quoted = endpoint.replace("'", "''")
        query = RunListQuery(
            filter=f"tags.`{BATCH_ENDPOINT_TAG}` = '{quoted}'", order_by=["created_at DESC"]
        )
        page = self.runs.list_runs(workspace, query)
        out = []
        for run in page.items:
            metric = run.metrics.get
            out.append(
                BatchJobProgress(
                    name=run.name,
                    status=run.status.value,
                    deployment=run.tags.get(BATCH_DEPLOYMENT_TAG),
                    mini_batches_done=_int(metric("mini_batches_done")),
                    mini_batches_failed=_int(metric("mini_batches_failed")),
                    mini_batches_total=_int(metric("mini_batches_total")),
                    created_at=run.created_at,
                    error=run.error.message if run.error else None,
                )
            )
        return out

    def _put(self, path: str, content: bytes) -> ModelFile:
        sha = hashlib.sha256(content).hexdigest()
        if not self.blobs.has_blob(sha):
            self.blobs.put_blob(sha, io.BytesIO(content))
        return ModelFile(path=path, sha256=sha, size=len(content))


def _input_type(body: BatchInvokeRequest) -> str:
    if body.input_type is not None:
        return body.input_type
    target = classify(body.input)
    if isinstance(target, LocalPath) and Path(target.path).is_file():
        return "uri_file"
    return "uri_folder"


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)
