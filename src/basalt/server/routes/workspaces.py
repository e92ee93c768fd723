"""Workspace routes."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.workspaces import Workspace, WorkspaceCreate

router = APIRouter(tags=["workspaces"])


@router.get(ops.WORKSPACES_LIST.path, operation_id="workspaces-list")
def list_workspaces(services: ServicesDep) -> list[Workspace]:
    """List every workspace."""
    return services.workspaces.list_workspaces()


@router.post(ops.WORKSPACES_CREATE.path, operation_id="workspaces-create", status_code=201)
def create_workspace(services: ServicesDep, body: WorkspaceCreate) -> Workspace:
    """Create a workspace."""
    return services.workspaces.create_workspace(body)


@router.get(ops.WORKSPACES_GET.path, operation_id="workspaces-get")
def get_workspace(services: ServicesDep, workspace: str) -> Workspace:
    """Get one workspace."""
    return services.workspaces.get_workspace(workspace)
