"""``client.online_endpoints`` and ``client.online_deployments`` (Azure ML's operation groups).

``begin_*`` methods return a ``LocalPoller`` whose ``result()`` is the record, so code written
for Azure ML (``ml_client.online_endpoints.begin_create_or_update(ep).result()``) runs as is.
The record is saved when the call returns; a deployment's ``provisioning_state`` says when its
workers are ready (``Succeeded``) or why they are not (``Failed``, with ``error``).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from basalt.client._local_files import code_files
from basalt.client._uploads import local_files, upload_missing
from basalt.client.operations._versioned import body_of
from basalt.client.transports.base import Transport
from basalt.errors import (
    BasaltError,
    InvalidArgumentError,
    NotFoundError,
    TooManyRequestsError,
    UnavailableError,
    UserCodeError,
    invalid,
)
from basalt.spec import operations as ops
from basalt.spec.deployment_package import DeploymentPackage
from basalt.spec.endpoints import (
    DeploymentLogs,
    EndpointKeys,
    InlineModel,
    InvokeRequest,
    InvokeResponse,
    KeyRegenerate,
    OnlineDeployment,
    OnlineDeploymentCreate,
    OnlineDeploymentUpdate,
    OnlineEndpoint,
    OnlineEndpointCreate,
    OnlineEndpointUpdate,
)
from basalt.spec.models import ModelFile
from basalt.spec.telemetry import DeploymentMetrics

T = TypeVar("T")
DEFAULT_MAX_CODE_BYTES = 300 * 2**20
_RUN_PREFIXES = ("runs:/", "azureml://jobs/")


class LocalPoller(Generic[T]):
    """What ``begin_*`` returns: already done; ``result()`` is the outcome (Azure's LROPoller)."""

    def __init__(self, value: T) -> None:
        self._value = value

    def result(self, timeout: float | None = None) -> T:
        """The outcome (``timeout`` is accepted for Azure ML compatibility)."""
        return self._value

    def wait(self, timeout: float | None = None) -> None:
        """Return at once: the operation is done."""

    def done(self) -> bool:
        """Always True."""
        return True

    def status(self) -> str:
        """Always ``Succeeded``."""
        return "Succeeded"


class OnlineEndpointOperations:
    """Online endpoints of the client's workspace.

    Args:
        transport: How calls reach the services.
        workspace: The workspace's name.
    """

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def begin_create_or_update(
        self, endpoint: OnlineEndpointCreate | str | Path | Any
    ) -> LocalPoller[OnlineEndpoint]:
        """Create an endpoint, or apply the fields given to the existing one (traffic too).

        Example: ``client.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(
        name="ep1", auth_mode="key")).result()``

        Args:
            endpoint: A ``ManagedOnlineEndpoint``/``OnlineEndpointCreate``, an endpoint YAML
                file's path, or a returned ``OnlineEndpoint`` whose attributes were changed.

        Raises:
            InvalidArgumentError: A bad name, YAML key (with file and line) or traffic split.
        """
        body = self._body(endpoint)
        params = {"workspace": self._ws, "name": body.name}
        return LocalPoller(self._t.call(ops.ENDPOINTS_PUT, params, body=body))

    def create(self, endpoint: OnlineEndpointCreate | str | Path | Any) -> OnlineEndpoint:
        """Create an endpoint; refused when the name is taken.

        Raises:
            AlreadyExistsError: The name is taken.
        """
        body = self._body(endpoint)
        return self._t.call(ops.ENDPOINTS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def update(self, name: str, **fields: Any) -> OnlineEndpoint:
        """Change ``traffic``, ``mirror_traffic``, ``auth_mode``, ``description`` or ``tags``.

        Example: ``client.online_endpoints.update("ep1", traffic={"blue": 90, "green": 10})``

        Raises:
            NotFoundError: No such endpoint.
            InvalidArgumentError: Bad traffic (the message names the deployment).
        """
        body = OnlineEndpointUpdate.model_validate(fields)
        return self._t.call(ops.ENDPOINTS_UPDATE, self._p(name), body=body)  # type: ignore[no-any-return]

    def get(self, name: str) -> OnlineEndpoint:
        """One endpoint (keys masked); raises NotFoundError if none."""
        return self._t.call(ops.ENDPOINTS_GET, self._p(name))  # type: ignore[no-any-return]

    def list(self) -> builtins.list[OnlineEndpoint]:
        """The workspace's endpoints by name."""
        return self._t.call(ops.ENDPOINTS_LIST, {"workspace": self._ws})  # type: ignore[no-any-return]

    def begin_delete(self, name: str) -> LocalPoller[None]:
        """Delete an endpoint with its deployments (their models are released) and keys."""
        self._t.call(ops.ENDPOINTS_DELETE, self._p(name))
        return LocalPoller(None)

    def get_keys(self, name: str) -> EndpointKeys:
        """The endpoint's two keys (``.primary_key.get_secret_value()``)."""
        return self._t.call(ops.ENDPOINTS_GET_KEYS, self._p(name))  # type: ignore[no-any-return]

    def regenerate_keys(self, name: str, key_type: str = "primary") -> OnlineEndpoint:
        """Replace the ``primary`` or ``secondary`` key; the other keeps working."""
        if key_type not in ("primary", "secondary"):
            raise invalid("key_type", f"key_type {key_type!r}: use primary or secondary")
        body = KeyRegenerate.model_validate({"key_type": key_type})
        return self._t.call(ops.ENDPOINTS_REGENERATE_KEYS, self._p(name), body=body)  # type: ignore[no-any-return]

    def begin_regenerate_keys(self, name: str, key_type: str = "primary") -> LocalPoller[None]:
        """``regenerate_keys`` in Azure ML's shape."""
        self.regenerate_keys(name, key_type)
        return LocalPoller(None)

    def invoke(
        self,
        endpoint_name: str,
        request_file: str | Path | None = None,
        deployment_name: str | None = None,
        *,
        body: str | bytes | None = None,
    ) -> str:
        """Score a request on the endpoint; returns the answer's body (JSON text).

        Example: ``client.online_endpoints.invoke("ep1", "sample-request.json")``

        Raises:
            InvalidArgumentError: Neither or both of ``request_file`` and ``body``; a 400 answer.
            UnavailableError: No serving host runs (start ``basalt serve``), or 502/503.
            UserCodeError: The scoring script failed (500); the message is its error.
            TooManyRequestsError: The deployment is at capacity (429).
        """
        if (request_file is None) == (body is None):
            raise invalid("request_file", "give request_file or body (one of them)")
        if request_file is not None:
            path = Path(request_file)
            if not path.is_file():
                raise invalid(
                    "request_file",
                    f"request file {str(request_file)[:200]!r} does not exist; give the path "
                    "of a JSON file, or the request itself with body=...",
                )
            text = path.read_text(encoding="utf-8")
        else:
            text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        request = InvokeRequest(body=text, deployment_name=deployment_name)
        answer: InvokeResponse = self._t.call(
            ops.ENDPOINTS_INVOKE, self._p(endpoint_name), body=request
        )
        if answer.status_code >= 400:
            raise _scoring_error(endpoint_name, answer)
        return answer.body

    def load(self, file: str | Path) -> OnlineEndpointCreate:
        """An endpoint body from a YAML file (errors say file:line: key)."""
        from basalt.spec.endpoint_yaml import load_endpoint

        return load_endpoint(Path(file)).body

    def _p(self, name: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name}

    def _body(self, endpoint: OnlineEndpointCreate | str | Path | Any) -> OnlineEndpointCreate:
        return body_of(OnlineEndpointCreate, endpoint, self.load)


class OnlineDeploymentOperations:
    """Deployments of the client's workspace's online endpoints.

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
        self, deployment: OnlineDeploymentCreate | str | Path | Any, *, all_traffic: bool = False
    ) -> LocalPoller[OnlineDeployment]:
        """Create or replace a deployment; local model and code files are uploaded first.

        Example: ``client.online_deployments.begin_create_or_update(ManagedOnlineDeployment(
        name="blue", endpoint_name="ep1", model="azureml:m:1", code_configuration=
        CodeConfiguration(code="./onlinescoring", scoring_script="score.py"),
        environment="azureml:sklearn:1")).result()``

        Args:
            deployment: A ``ManagedOnlineDeployment``/``OnlineDeploymentCreate``, or a
                deployment YAML file's path.
            all_traffic: Send all of the endpoint's traffic to it once saved.

        Raises:
            InvalidArgumentError: A bad YAML key (file and line), a missing scoring script.
            NotFoundError: The endpoint, model or environment does not exist.
        """
        body = self._prepared(deployment, all_traffic)
        params = {"workspace": self._ws, "endpoint": body.endpoint_name, "name": body.name}
        return LocalPoller(self._t.call(ops.DEPLOYMENTS_PUT, params, body=body))

    def create(
        self, deployment: OnlineDeploymentCreate | str | Path | Any, *, all_traffic: bool = False
    ) -> OnlineDeployment:
        """Create a deployment; refused when the name is taken in its endpoint.

        Raises:
            AlreadyExistsError: The deployment exists.
        """
        body = self._prepared(deployment, all_traffic)
        params = {"workspace": self._ws, "endpoint": body.endpoint_name}
        return self._t.call(ops.DEPLOYMENTS_CREATE, params, body=body)  # type: ignore[no-any-return]

    def update(self, name: str, endpoint_name: str, **settings: Any) -> OnlineDeployment:
        """Change settings (``instance_count``, ``environment_variables``, probes ...).

        Raises:
            NotFoundError: No such deployment.
        """
        body = OnlineDeploymentUpdate.model_validate(settings)
        return self._t.call(ops.DEPLOYMENTS_UPDATE, self._p(name, endpoint_name), body=body)  # type: ignore[no-any-return]

    def get(self, name: str, endpoint_name: str) -> OnlineDeployment:
        """One deployment with its state; raises NotFoundError if none."""
        return self._t.call(ops.DEPLOYMENTS_GET, self._p(name, endpoint_name))  # type: ignore[no-any-return]

    def list(self, endpoint_name: str) -> builtins.list[OnlineDeployment]:
        """The endpoint's deployments by name."""
        params = {"workspace": self._ws, "endpoint": endpoint_name}
        return self._t.call(ops.DEPLOYMENTS_LIST, params)  # type: ignore[no-any-return]

    def begin_delete(self, name: str, endpoint_name: str) -> LocalPoller[None]:
        """Delete a deployment that takes no traffic (move its traffic first)."""
        self._t.call(ops.DEPLOYMENTS_DELETE, self._p(name, endpoint_name))
        return LocalPoller(None)

    def get_logs(self, name: str, endpoint_name: str, lines: int | None = None) -> str:
        """The workers' console output (the last ``lines`` of each worker)."""
        logs: DeploymentLogs = self._t.call(
            ops.DEPLOYMENTS_LOGS, self._p(name, endpoint_name), query={"lines": lines}
        )
        return logs.text

    def get_metrics(
        self,
        name: str,
        endpoint_name: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> DeploymentMetrics:
        """Serving telemetry of a deployment, per minute (default: the last hour).

        Requests, status codes, latency percentiles, worker restarts, mirror agreement and
        data collection counts. Minutes without requests have no point; the last seconds
        may be missing (gateways store their counts every 2 s).
        """
        query = {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        }
        return self._t.call(  # type: ignore[no-any-return]
            ops.DEPLOYMENTS_METRICS, self._p(name, endpoint_name), query=query
        )

    def package(
        self, name: str, endpoint_name: str, output_dir: str | Path, *, overwrite: bool = False
    ) -> DeploymentPackage:
        """Write a Docker build context that serves the deployment's scoring API anywhere.

        Example: ``client.online_deployments.package("blue", "ep1", "./blue-image")``, then
        ``docker build -t ep1-blue ./blue-image``.

        Args:
            name: The deployment.
            endpoint_name: Its endpoint.
            output_dir: A new or empty folder (created when missing).
            overwrite: Write into a folder that is not empty (an earlier package); its
                ``model/``, ``code/`` and ``basalt_scoring/`` folders are emptied first.

        Returns:
            What was written (``files``, ``model_files``, ``code_files`` name the paths).

        Raises:
            NotFoundError: No such endpoint or deployment.
            AlreadyExistsError: ``output_dir`` is not empty and ``overwrite`` is False.
        """
        from basalt.client._package_files import check_target, write_package

        out = Path(output_dir)
        check_target(out, overwrite=overwrite)
        found: DeploymentPackage = self._t.call(
            ops.DEPLOYMENTS_PACKAGE, self._p(name, endpoint_name)
        )
        write_package(self._t, self._ws, found, out, overwrite=overwrite)
        return found

    def load(self, file: str | Path) -> OnlineDeploymentCreate:
        """A deployment body from a YAML file (errors say file:line: key)."""
        from basalt.spec.endpoint_yaml import load_deployment

        return load_deployment(Path(file)).body

    def _p(self, name: str, endpoint: str) -> dict[str, str]:
        return {"workspace": self._ws, "endpoint": endpoint, "name": name}

    def _prepared(
        self, deployment: OnlineDeploymentCreate | str | Path | Any, all_traffic: bool
    ) -> OnlineDeploymentCreate:
        body = body_of(OnlineDeploymentCreate, deployment, self.load, skip=("code_files",))
        updates: dict[str, Any] = {"all_traffic": True} if all_traffic else {}
        updates.update(upload_deployment_files(self._t, self._ws, body, self._max_code_bytes))
        return body.model_copy(update=updates)


def upload_deployment_files(
    transport: Transport, workspace: str, body: Any, max_code_bytes: int
) -> dict[str, Any]:
    """Upload a deployment's local code folder and inline model; the fields to set on ``body``.

    Shared by online and batch deployments (``code_configuration``, ``code_files``, ``model``).
    """
    updates: dict[str, Any] = {}

    def upload(found: builtins.list[tuple[ModelFile, Path]]) -> None:
        upload_missing(transport, workspace, [f for f, _ in found], {f.sha256: p for f, p in found})

    code = body.code_configuration
    if code is not None and code.code is not None and body.code_files is None:
        found = code_files(Path(code.code), max_bytes=max_code_bytes)
        upload(found)
        updates["code_files"] = [f for f, _ in found]
    model = body.model
    if (
        isinstance(model, InlineModel)
        and model.files is None
        and not model.path.startswith(_RUN_PREFIXES)
    ):
        found = local_files(model.path)
        upload(found)
        updates["model"] = model.model_copy(update={"files": [f for f, _ in found]})
    return updates


def _scoring_error(endpoint: str, answer: InvokeResponse) -> BasaltError:
    where = f"endpoint '{endpoint}'" + (
        f" (deployment '{answer.deployment}')" if answer.deployment else ""
    )
    rid = f", request id {answer.request_id}" if answer.request_id else ""
    message = f"{where} answered {answer.status_code}{rid}: {answer.body.strip()[:2000]}"
    details = {"status_code": answer.status_code, "request_id": answer.request_id}
    kinds: dict[int, type[BasaltError]] = {
        400: InvalidArgumentError,
        404: NotFoundError,
        429: TooManyRequestsError,
        502: UnavailableError,
        503: UnavailableError,
    }
    return kinds.get(answer.status_code, UserCodeError)(message, details=details)
