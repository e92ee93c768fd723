"""``client.audit``: the log of every change made through a server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.auth import AuditEvent
from basalt.spec.common import Page


class AuditOperations:
    """Read the audit log (the server records it; reads are not audited)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user: str | None = None,
        workspace: str | None = None,
        operation: str | None = None,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[AuditEvent]:
        """Audit events, newest first.

        Args:
            since: Only events at or after this time.
            until: Only events before this time.
            user: Only events of this principal.
            workspace: Read this workspace's log (needs the Owner role there); default: the
                server-wide log (administrators only).
            operation: Only this operation (``jobs.create``, or an MLflow path).
            max_results: Page size.
            page_token: ``next_page_token`` of the previous page.

        Returns:
            One page of events.
        """
        query: dict[str, Any] = {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "user": user,
            "operation": operation,
            "max_results": max_results,
            "page_token": page_token,
        }
        if workspace is None:
            return self._t.call(ops.AUDIT_LIST, {}, query=query)  # type: ignore[no-any-return]
        params = {"workspace": workspace}
        return self._t.call(  # type: ignore[no-any-return]
            ops.AUDIT_LIST_WORKSPACE, params, query=query
        )
