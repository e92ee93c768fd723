"""Workspace routes."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import PrincipalDep, ServicesDep
from basalt.spec import operations as ops
from basalt.spec.auth import LOCAL
from basalt.spec.workspaces import Workspace, WorkspaceCreate

router = APIRouter(tags=["workspaces"])


@router.get(ops.WORKSPACES_LIST.path, operation_id="workspaces-list")
def list_workspaces(services: ServicesDep, principal: PrincipalDep) -> list[Workspace]:
    """List the workspaces the caller may see (all of them for administrators)."""
    items = services.workspaces.list_workspaces()
    visible = services.access.visible_workspaces(principal)
    return items if visible is None else [w for w in items if w.name in visible]


@router.post(ops.WORKSPACES_CREATE.path, operation_id="workspaces-create", status_code=201)
def create_workspace(
    services: ServicesDep, principal: PrincipalDep, body: WorkspaceCreate
) -> Workspace:
    """Create a workspace; its creator becomes its Owner."""
    owner = None if principal == LOCAL else principal.name
    return services.workspaces.create_workspace(body, owner=owner)


@router.get(ops.WORKSPACES_GET.path, operation_id="workspaces-get")
def get_workspace(services: ServicesDep, workspace: str) -> Workspace:
    """Get one workspace."""
    return services.workspaces.get_workspace(workspace)
