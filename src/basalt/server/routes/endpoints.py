"""Online endpoint and deployment routes (the control plane; scoring is the gateway's)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from basalt.errors import invalid
from basalt.server.deps import ServicesDep
from basalt.server.routes._streams import FILE_RESPONSES, FileStream
from basalt.spec import operations as ops
from basalt.spec.deployment_package import DeploymentPackage
from basalt.spec.endpoints import (
    DeploymentLogs,
    EndpointKeys,
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
from basalt.spec.telemetry import DeploymentMetrics

router = APIRouter(tags=["online-endpoints"])


@router.get(ops.ENDPOINTS_LIST.path, operation_id="endpoints-list")
def list_endpoints(services: ServicesDep, workspace: str) -> list[OnlineEndpoint]:
    """The workspace's online endpoints by name; keys masked."""
    return services.endpoints.list(workspace)


@router.post(ops.ENDPOINTS_CREATE.path, operation_id="endpoints-create", status_code=201)
def create_endpoint(
    services: ServicesDep, workspace: str, body: OnlineEndpointCreate
) -> OnlineEndpoint:
    """Create an online endpoint with two fresh keys."""
    return services.endpoints.create(workspace, body)


@router.put(ops.ENDPOINTS_PUT.path, operation_id="endpoints-put")
def put_endpoint(
    services: ServicesDep, workspace: str, name: str, body: OnlineEndpointCreate
) -> OnlineEndpoint:
    """Create the endpoint, or apply the fields sent to the existing one."""
    if body.name != name:
        raise invalid("name", f"The body names endpoint {body.name!r}, the path {name!r}")
    return services.endpoints.create_or_update(workspace, body)


@router.get(ops.ENDPOINTS_GET.path, operation_id="endpoints-get")
def get_endpoint(services: ServicesDep, workspace: str, name: str) -> OnlineEndpoint:
    """One online endpoint; keys masked."""
    return services.endpoints.get(workspace, name)


@router.patch(ops.ENDPOINTS_UPDATE.path, operation_id="endpoints-update")
def update_endpoint(
    services: ServicesDep, workspace: str, name: str, body: OnlineEndpointUpdate
) -> OnlineEndpoint:
    """Change traffic, mirror traffic, auth mode, description or tags (only the fields sent)."""
    return services.endpoints.update(workspace, name, body)


@router.delete(ops.ENDPOINTS_DELETE.path, operation_id="endpoints-delete", status_code=204)
def delete_endpoint(services: ServicesDep, workspace: str, name: str) -> None:
    """Delete an endpoint, its deployments and its keys."""
    services.endpoints.delete(workspace, name)


@router.post(ops.ENDPOINTS_GET_KEYS.path, operation_id="endpoints-get-keys")
def get_keys(services: ServicesDep, workspace: str, name: str) -> EndpointKeys:
    """The endpoint's two keys in clear (needs write permission, as secret values do)."""
    return services.endpoints.get_credentials(workspace, name)


@router.post(ops.ENDPOINTS_REGENERATE_KEYS.path, operation_id="endpoints-regenerate-keys")
def regenerate_keys(
    services: ServicesDep, workspace: str, name: str, body: KeyRegenerate
) -> OnlineEndpoint:
    """Replace the primary or the secondary key; the other keeps working."""
    return services.endpoints.regenerate_keys(workspace, name, body.key_type)


@router.post(ops.ENDPOINTS_INVOKE.path, operation_id="endpoints-invoke")
def invoke_endpoint(
    services: ServicesDep, workspace: str, name: str, body: InvokeRequest
) -> InvokeResponse:
    """Send one scoring request through the serving host (for the CLI and SDK)."""
    return services.endpoints.invoke(workspace, name, body)


@router.get(ops.DEPLOYMENTS_LIST.path, operation_id="deployments-list")
def list_deployments(
    services: ServicesDep, workspace: str, endpoint: str
) -> list[OnlineDeployment]:
    """The endpoint's deployments by name."""
    return services.deployments.list(workspace, endpoint)


@router.post(ops.DEPLOYMENTS_CREATE.path, operation_id="deployments-create", status_code=201)
def create_deployment(
    services: ServicesDep, workspace: str, endpoint: str, body: OnlineDeploymentCreate
) -> OnlineDeployment:
    """Create a deployment (its code and local model files uploaded first)."""
    _same(endpoint, body.endpoint_name)
    return services.deployments.create(workspace, body)


@router.put(ops.DEPLOYMENTS_PUT.path, operation_id="deployments-put")
def put_deployment(
    services: ServicesDep, workspace: str, endpoint: str, name: str, body: OnlineDeploymentCreate
) -> OnlineDeployment:
    """Create or replace a deployment (a replacement bumps its generation)."""
    _same(endpoint, body.endpoint_name)
    if body.name != name:
        raise invalid("name", f"The body names deployment {body.name!r}, the path {name!r}")
    return services.deployments.create(workspace, body, replace=True)


@router.get(ops.DEPLOYMENTS_GET.path, operation_id="deployments-get")
def get_deployment(
    services: ServicesDep, workspace: str, endpoint: str, name: str
) -> OnlineDeployment:
    """One deployment with its state (and the error that failed it)."""
    return services.deployments.get(workspace, endpoint, name)


@router.patch(ops.DEPLOYMENTS_UPDATE.path, operation_id="deployments-update")
def update_deployment(
    services: ServicesDep, workspace: str, endpoint: str, name: str, body: OnlineDeploymentUpdate
) -> OnlineDeployment:
    """Change a deployment's settings (instances, variables, limits, probes)."""
    return services.deployments.update(workspace, endpoint, name, body)


@router.delete(ops.DEPLOYMENTS_DELETE.path, operation_id="deployments-delete", status_code=204)
def delete_deployment(services: ServicesDep, workspace: str, endpoint: str, name: str) -> None:
    """Delete a deployment that takes no traffic."""
    services.deployments.delete(workspace, endpoint, name)


@router.get(ops.DEPLOYMENTS_LOGS.path, operation_id="deployments-logs")
def deployment_logs(
    services: ServicesDep, workspace: str, endpoint: str, name: str, lines: int | None = None
) -> DeploymentLogs:
    """The workers' console logs (the last ``lines`` of each)."""
    return services.deployments.get_logs(workspace, endpoint, name, lines)


@router.get(ops.DEPLOYMENTS_METRICS.path, operation_id="deployments-metrics")
def deployment_metrics(
    services: ServicesDep,
    workspace: str,
    endpoint: str,
    name: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> DeploymentMetrics:
    """Requests, status codes, latency percentiles, restarts, mirror agreement per minute."""
    return services.deployment_metrics.get(workspace, endpoint, name, since, until)


@router.get(ops.DEPLOYMENTS_PACKAGE.path, operation_id="deployments-package")
def deployment_package(
    services: ServicesDep, workspace: str, endpoint: str, name: str
) -> DeploymentPackage:
    """The Docker build context of a deployment (generated files; model and code by hash)."""
    return services.deployment_package.plan(workspace, endpoint, name)


@router.get(
    ops.DEPLOYMENTS_CODE_FILE.path.replace("{path}", "{path:path}"),
    operation_id="deployments-code-file",
    response_class=FileStream,
    responses=FILE_RESPONSES,
)
def deployment_code_file(
    services: ServicesDep, workspace: str, endpoint: str, name: str, path: str
) -> FileStream:
    """Download one of a deployment's code files, streamed."""
    return FileStream.of(
        services.deployment_package.open_code_file(workspace, endpoint, name, path)
    )


def _same(endpoint: str, named: str) -> None:
    if named != endpoint:
        raise invalid("endpoint_name", f"The body names endpoint {named!r}, the path {endpoint!r}")
