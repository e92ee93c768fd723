"""Audit routes: the server-wide log (administrators) and a workspace's log (its Owners)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.auth import AuditEvent, AuditQuery
from basalt.spec.common import MAX_PAGE_SIZE, Page

router = APIRouter(tags=["audit"])


@router.get(ops.AUDIT_LIST.path, operation_id="audit-list")
def list_audit(
    services: ServicesDep,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    workspace: str | None = None,
    operation: str | None = None,
    page_token: str | None = None,
    max_results: int | None = Query(default=None, ge=1, le=MAX_PAGE_SIZE),
) -> Page[AuditEvent]:
    """Every mutation on the server, newest first (administrators only)."""
    query = AuditQuery(
        since=since,
        until=until,
        user=user,
        workspace=workspace,
        operation=operation,
        page_token=page_token,
        max_results=max_results,
    )
    return services.audit.list(query, None)


@router.get(ops.AUDIT_LIST_WORKSPACE.path, operation_id="audit-list-workspace")
def list_workspace_audit(
    services: ServicesDep,
    workspace: str,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    operation: str | None = None,
    page_token: str | None = None,
    max_results: int | None = Query(default=None, ge=1, le=MAX_PAGE_SIZE),
) -> Page[AuditEvent]:
    """The mutations in one workspace, newest first (the workspace's Owners)."""
    services.workspaces.get_workspace(workspace)  # 404 for a workspace that does not exist
    query = AuditQuery(
        since=since,
        until=until,
        user=user,
        workspace=workspace,
        operation=operation,
        page_token=page_token,
        max_results=max_results,
    )
    return services.audit.list(query, [workspace])
