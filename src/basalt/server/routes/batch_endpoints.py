"""Batch endpoint and deployment routes; ``invoke`` starts a scoring job."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.errors import invalid
from basalt.server.deps import ServicesDep
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
from basalt.spec.runs import Run

router = APIRouter(tags=["batch-endpoints"])


@router.get(ops.BATCH_ENDPOINTS_LIST.path, operation_id="batch-endpoints-list")
def list_endpoints(services: ServicesDep, workspace: str) -> list[BatchEndpoint]:
    """The workspace's batch endpoints by name."""
    return services.batch_endpoints.list(workspace)


@router.post(
    ops.BATCH_ENDPOINTS_CREATE.path, operation_id="batch-endpoints-create", status_code=201
)
def create_endpoint(
    services: ServicesDep, workspace: str, body: BatchEndpointCreate
) -> BatchEndpoint:
    """Create a batch endpoint."""
    return services.batch_endpoints.create(workspace, body)


@router.put(ops.BATCH_ENDPOINTS_PUT.path, operation_id="batch-endpoints-put")
def put_endpoint(
    services: ServicesDep, workspace: str, name: str, body: BatchEndpointCreate
) -> BatchEndpoint:
    """Create the batch endpoint, or update the existing one."""
    if body.name != name:
        raise invalid("name", f"The body names endpoint {body.name!r}, the path {name!r}")
    return services.batch_endpoints.create(workspace, body, replace=True)


@router.get(ops.BATCH_ENDPOINTS_GET.path, operation_id="batch-endpoints-get")
def get_endpoint(services: ServicesDep, workspace: str, name: str) -> BatchEndpoint:
    """One batch endpoint."""
    return services.batch_endpoints.get(workspace, name)


@router.patch(ops.BATCH_ENDPOINTS_UPDATE.path, operation_id="batch-endpoints-update")
def update_endpoint(
    services: ServicesDep, workspace: str, name: str, body: BatchEndpointUpdate
) -> BatchEndpoint:
    """Change description, tags or the default deployment (only the fields sent)."""
    return services.batch_endpoints.update(workspace, name, body)


@router.delete(
    ops.BATCH_ENDPOINTS_DELETE.path, operation_id="batch-endpoints-delete", status_code=204
)
def delete_endpoint(services: ServicesDep, workspace: str, name: str) -> None:
    """Delete a batch endpoint and its deployments (its jobs stay)."""
    services.batch_endpoints.delete(workspace, name)


@router.post(ops.BATCH_ENDPOINTS_INVOKE.path, operation_id="batch-endpoints-invoke")
def invoke_endpoint(
    services: ServicesDep, workspace: str, name: str, body: BatchInvokeRequest
) -> Run:
    """Start a batch scoring job on the named (or default) deployment."""
    return services.batch_invoke.invoke(workspace, name, body)


@router.get(ops.BATCH_ENDPOINTS_JOBS.path, operation_id="batch-endpoints-list-jobs")
def list_jobs(services: ServicesDep, workspace: str, name: str) -> list[BatchJobProgress]:
    """The endpoint's scoring jobs, newest first, with their mini-batch progress."""
    return services.batch_invoke.list_jobs(workspace, name)


@router.get(ops.BATCH_DEPLOYMENTS_LIST.path, operation_id="batch-deployments-list")
def list_deployments(services: ServicesDep, workspace: str, endpoint: str) -> list[BatchDeployment]:
    """The batch endpoint's deployments by name."""
    return services.batch_deployments.list(workspace, endpoint)


@router.post(
    ops.BATCH_DEPLOYMENTS_CREATE.path, operation_id="batch-deployments-create", status_code=201
)
def create_deployment(
    services: ServicesDep, workspace: str, endpoint: str, body: BatchDeploymentCreate
) -> BatchDeployment:
    """Create a batch deployment (its code and local model files uploaded first)."""
    _same(endpoint, body.endpoint_name)
    return services.batch_deployments.create(workspace, body)


@router.put(ops.BATCH_DEPLOYMENTS_PUT.path, operation_id="batch-deployments-put")
def put_deployment(
    services: ServicesDep, workspace: str, endpoint: str, name: str, body: BatchDeploymentCreate
) -> BatchDeployment:
    """Create or replace a batch deployment."""
    _same(endpoint, body.endpoint_name)
    if body.name != name:
        raise invalid("name", f"The body names deployment {body.name!r}, the path {name!r}")
    return services.batch_deployments.create(workspace, body, replace=True)


@router.get(ops.BATCH_DEPLOYMENTS_GET.path, operation_id="batch-deployments-get")
def get_deployment(
    services: ServicesDep, workspace: str, endpoint: str, name: str
) -> BatchDeployment:
    """One batch deployment."""
    return services.batch_deployments.get(workspace, endpoint, name)


@router.patch(ops.BATCH_DEPLOYMENTS_UPDATE.path, operation_id="batch-deployments-update")
def update_deployment(
    services: ServicesDep, workspace: str, endpoint: str, name: str, body: BatchDeploymentUpdate
) -> BatchDeployment:
    """Change a batch deployment's settings, compute or resources."""
    return services.batch_deployments.update(workspace, endpoint, name, body)


@router.delete(
    ops.BATCH_DEPLOYMENTS_DELETE.path, operation_id="batch-deployments-delete", status_code=204
)
def delete_deployment(services: ServicesDep, workspace: str, endpoint: str, name: str) -> None:
    """Delete a batch deployment (not the default while others remain)."""
    services.batch_deployments.delete(workspace, endpoint, name)


def _same(endpoint: str, named: str) -> None:
    if named != endpoint:
        raise invalid("endpoint_name", f"The body names endpoint {named!r}, the path {endpoint!r}")
