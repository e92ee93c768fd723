"""``client.batch_endpoints`` and ``client.batch_deployments`` (Azure ML's operation groups).

``invoke`` starts a scoring job and returns its run (``client.jobs.stream(run.name)`` follows
it); a local input file or folder is uploaded by content first, as job inputs are.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt.client._local_files import code_files
from basalt.client._uploads import current_user
from basalt.client.operations._versioned import body_of
from basalt.client.operations.endpoints import (
    DEFAULT_MAX_CODE_BYTES,
    LocalPoller,
    upload_deployment_files,
)
from basalt.client.operations.job_submit import MAX_INPUT_BYTES, upload
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.batch_endpoints import (
    BatchDeployment,
    BatchDeploymentCreate,
    BatchDeploymentUpdate,
    BatchEndpoint,
    BatchEndpointCreate,
    BatchEndpointUpdate,
    BatchInvokeRequest,
    BatchJobProgress,
)
from basalt.spec.references import LocalPath, classify
from basalt.spec.runs import Run


class BatchEndpointOperations:
    """Batch endpoints of the client's workspace.

    Args:
        transport: How calls reach the services.
        workspace: The workspace's name.
    """

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def begin_create_or_update(
        self, endpoint: BatchEndpointCreate | str | Path | Any
    ) -> LocalPoller[BatchEndpoint]:
        """Create a batch endpoint, or update the one of that name.

        Example: ``client.batch_endpoints.begin_create_or_update(BatchEndpoint(name="b1"))``

        Args:
            endpoint: A ``BatchEndpoint`` builder/``BatchEndpointCreate``, or a YAML file's path.
        """
        body = self._body(endpoint)
        params = {"workspace": self._ws, "name": body.name}
        return LocalPoller(self._t.call(ops.BATCH_ENDPOINTS_PUT, params, body=body))

    def create(self, endpoint: BatchEndpointCreate | str | Path | Any) -> BatchEndpoint:
        """Create a batch endpoint; refused (AlreadyExistsError) when the name is taken."""
        body = self._body(endpoint)
        return self._t.call(ops.BATCH_ENDPOINTS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def update(self, name: str, **fields: Any) -> BatchEndpoint:
        """Change ``description``, ``tags`` or ``default_deployment``."""
        body = BatchEndpointUpdate.model_validate(fields)
        return self._t.call(ops.BATCH_ENDPOINTS_UPDATE, self._p(name), body=body)  # type: ignore[no-any-return]

    def get(self, name: str) -> BatchEndpoint:
        """One batch endpoint; raises NotFoundError if none."""
        return self._t.call(ops.BATCH_ENDPOINTS_GET, self._p(name))  # type: ignore[no-any-return]

    def list(self) -> builtins.list[BatchEndpoint]:
        """The workspace's batch endpoints by name."""
        return self._t.call(ops.BATCH_ENDPOINTS_LIST, {"workspace": self._ws})  # type: ignore[no-any-return]

    def begin_delete(self, name: str) -> LocalPoller[None]:
        """Delete a batch endpoint and its deployments (their models are released)."""
        self._t.call(ops.BATCH_ENDPOINTS_DELETE, self._p(name))
        return LocalPoller(None)

    def invoke(
        self,
        endpoint_name: str,
        input: str | Path | Any,  # noqa: A002 - Azure ML's parameter name
        deployment_name: str | None = None,
        *,
        experiment_name: str | None = None,
    ) -> Run:
        """Start a scoring job over ``input``; returns the job's run (``Queued`` or later).

        Example: ``client.batch_endpoints.invoke("b1", input="azureml:heart-data@latest")``

        Args:
            endpoint_name: The batch endpoint.
            input: A data reference (``azureml:name:version``, ``azureml:name@latest``), a
                local file or folder, or an ``Input`` with a ``path``.
            deployment_name: The deployment to run (default: the endpoint's default).
            experiment_name: The job's experiment (default: the endpoint's name).

        Raises:
            NotFoundError: No such endpoint, deployment or data asset.
            InvalidArgumentError: The endpoint has no deployment.
        """
        path = getattr(input, "path", input)
        text = str(Path(path).resolve()) if isinstance(path, Path) else str(path)
        target = classify(text)
        input_files = None
        if isinstance(target, LocalPath):
            local = Path(target.path).expanduser().resolve()
            text = str(local)
            if not self._t.same_machine:
                found = code_files(local, max_bytes=MAX_INPUT_BYTES, field="input")
                upload(self._t, self._ws, found)
                input_files = [f for f, _ in found]
        request = BatchInvokeRequest(
            input=text,
            input_type="uri_file"
            if isinstance(target, LocalPath) and Path(text).is_file()
            else None,
            deployment_name=deployment_name,
            input_files=input_files,
            local_input=self._t.same_machine,
            experiment_name=experiment_name,
            created_by=current_user(),
        )
        return self._t.call(ops.BATCH_ENDPOINTS_INVOKE, self._p(endpoint_name), body=request)  # type: ignore[no-any-return]

    def list_jobs(self, endpoint_name: str) -> builtins.list[BatchJobProgress]:
        """The endpoint's scoring jobs, newest first, with their mini-batch progress."""
        return self._t.call(ops.BATCH_ENDPOINTS_JOBS, self._p(endpoint_name))  # type: ignore[no-any-return]

    def load(self, file: str | Path) -> BatchEndpointCreate:
        """A batch endpoint body from a YAML file (errors say file:line: key)."""
        from basalt.spec.batch_endpoint_yaml import load_batch_endpoint

        return load_batch_endpoint(Path(file)).body

    def _p(self, name: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name}

    def _body(self, endpoint: BatchEndpointCreate | str | Path | Any) -> BatchEndpointCreate:
        return body_of(BatchEndpointCreate, endpoint, self.load)


class BatchDeploymentOperations:
    """Deployments of the client's workspace's batch endpoints.

    Args:
        transport: How calls reach the services.
        workspace: The workspace's name.
        max_code_bytes: The largest code folder uploaded (the job snapshot cap).
    """

    def __init__(
        self, transport: Transport, workspace: str, max_code_bytes: int = DEFAULT_MAX_CODE_BYTES
    ) -> None:
        self._t = transport
        self._ws = workspace
        self._max_code_bytes = max_code_bytes

    def begin_create_or_update(
        self, deployment: BatchDeploymentCreate | str | Path | Any
    ) -> LocalPoller[BatchDeployment]:
        """Create or replace a batch deployment; local model and code files are uploaded first.

        Example: ``client.batch_deployments.begin_create_or_update(ModelBatchDeployment(
        name="d1", endpoint_name="b1", model="azureml:m:1", code_configuration=
        CodeConfiguration(code="./code", scoring_script="batch_driver.py"),
        settings=ModelBatchDeploymentSettings(mini_batch_size=10))).result()``

        Raises:
            InvalidArgumentError: A bad YAML key (file and line), a missing scoring script.
            NotFoundError: The endpoint, model, environment or compute does not exist.
        """
        body = self._prepared(deployment)
        params = {"workspace": self._ws, "endpoint": body.endpoint_name, "name": body.name}
        return LocalPoller(self._t.call(ops.BATCH_DEPLOYMENTS_PUT, params, body=body))

    def create(self, deployment: BatchDeploymentCreate | str | Path | Any) -> BatchDeployment:
        """Create a batch deployment; refused (AlreadyExistsError) when the name is taken."""
        body = self._prepared(deployment)
        params = {"workspace": self._ws, "endpoint": body.endpoint_name}
        return self._t.call(ops.BATCH_DEPLOYMENTS_CREATE, params, body=body)  # type: ignore[no-any-return]

    def update(self, name: str, endpoint_name: str, **fields: Any) -> BatchDeployment:
        """Change ``settings``, ``resources``, ``compute``, ``description`` or ``tags``."""
        body = BatchDeploymentUpdate.model_validate(fields)
        return self._t.call(ops.BATCH_DEPLOYMENTS_UPDATE, self._p(name, endpoint_name), body=body)  # type: ignore[no-any-return]

    def get(self, name: str, endpoint_name: str) -> BatchDeployment:
        """One batch deployment; raises NotFoundError if none."""
        return self._t.call(ops.BATCH_DEPLOYMENTS_GET, self._p(name, endpoint_name))  # type: ignore[no-any-return]

    def list(self, endpoint_name: str) -> builtins.list[BatchDeployment]:
        """The batch endpoint's deployments by name."""
        params = {"workspace": self._ws, "endpoint": endpoint_name}
        return self._t.call(ops.BATCH_DEPLOYMENTS_LIST, params)  # type: ignore[no-any-return]

    def begin_delete(self, name: str, endpoint_name: str) -> LocalPoller[None]:
        """Delete a batch deployment (not the endpoint's default while others remain)."""
        self._t.call(ops.BATCH_DEPLOYMENTS_DELETE, self._p(name, endpoint_name))
        return LocalPoller(None)

    def load(self, file: str | Path) -> BatchDeploymentCreate:
        """A batch deployment body from a YAML file (errors say file:line: key)."""
        from basalt.spec.batch_endpoint_yaml import load_batch_deployment

        return load_batch_deployment(Path(file)).body

    def _p(self, name: str, endpoint: str) -> dict[str, str]:
        return {"workspace": self._ws, "endpoint": endpoint, "name": name}

    def _prepared(
        self, deployment: BatchDeploymentCreate | str | Path | Any
    ) -> BatchDeploymentCreate:
        body = body_of(BatchDeploymentCreate, deployment, self.load, skip=("code_files",))
        updates = upload_deployment_files(self._t, self._ws, body, self._max_code_bytes)
        return body.model_copy(update=updates)
