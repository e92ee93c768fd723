"""Compute target routes: one named record per target (not versioned)."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.compute import Compute, ComputeCreate, ComputeUpdate

router = APIRouter(tags=["computes"])


@router.get(ops.COMPUTES_LIST.path, operation_id="computes-list")
def list_computes(services: ServicesDep, workspace: str) -> list[Compute]:
    """Compute targets of the workspace, by name."""
    return services.computes.list(workspace)


@router.post(ops.COMPUTES_CREATE.path, operation_id="computes-create", status_code=201)
def create_compute(services: ServicesDep, workspace: str, body: ComputeCreate) -> Compute:
    """Create a compute target."""
    return services.computes.create(workspace, body)


@router.get(ops.COMPUTES_GET.path, operation_id="computes-get")
def get_compute(services: ServicesDep, workspace: str, name: str) -> Compute:
    """One compute target."""
    return services.computes.get(workspace, name)


@router.patch(ops.COMPUTES_UPDATE.path, operation_id="computes-update")
def update_compute(
    services: ServicesDep, workspace: str, name: str, body: ComputeUpdate
) -> Compute:
    """Change a target's concurrency, description or tags."""
    return services.computes.update(workspace, name, body)


@router.delete(ops.COMPUTES_DELETE.path, operation_id="computes-delete", status_code=204)
def delete_compute(services: ServicesDep, workspace: str, name: str) -> None:
    """Remove a target (refused for ``local`` and while jobs are active on it)."""
    services.computes.delete(workspace, name)
