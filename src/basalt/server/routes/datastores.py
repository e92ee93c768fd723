"""Datastore routes: named connections to storage; credentials go in, never come out."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.errors import invalid
from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.datastores import Datastore, DatastoreCreate

router = APIRouter(tags=["datastores"])


@router.get(ops.DATASTORES_LIST.path, operation_id="datastores-list")
def list_datastores(services: ServicesDep, workspace: str) -> list[Datastore]:
    """Datastores of the workspace by name, built-ins included; credentials masked."""
    return services.datastores.list(workspace)


@router.post(ops.DATASTORES_CREATE.path, operation_id="datastores-create", status_code=201)
def create_datastore(services: ServicesDep, workspace: str, body: DatastoreCreate) -> Datastore:
    """Create a datastore; its credentials are checked with one request and kept in the vault."""
    return services.datastores.create(workspace, body)


@router.put(ops.DATASTORES_PUT.path, operation_id="datastores-put")
def put_datastore(
    services: ServicesDep, workspace: str, name: str, body: DatastoreCreate
) -> Datastore:
    """Create a datastore or replace the one of that name (settings and credentials)."""
    if body.name != name:
        raise invalid("name", f"The body names datastore {body.name!r}, the path {name!r}")
    return services.datastores.create(workspace, body, replace=True)


@router.get(ops.DATASTORES_GET.path, operation_id="datastores-get")
def get_datastore(services: ServicesDep, workspace: str, name: str) -> Datastore:
    """One datastore; credentials masked."""
    return services.datastores.get(workspace, name)


@router.delete(ops.DATASTORES_DELETE.path, operation_id="datastores-delete", status_code=204)
def delete_datastore(services: ServicesDep, workspace: str, name: str) -> None:
    """Remove a datastore and its credentials (refused for the built-ins)."""
    services.datastores.delete(workspace, name)
