"""The audit log: who changed what, when, from where, and how it ended (append-only).

The server's audit middleware records every mutation through ``record``; nothing updates or
deletes an event. ``list`` reads them newest first with keyset paging (a page token names
the last id seen), so events appended while someone pages do not shift the pages.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC
from typing import Any

from basalt._internal.clock import Clock
from basalt.spec.auth import AuditEvent, AuditQuery
from basalt.spec.common import DEFAULT_PAGE_SIZE, Page, decode_page_token, encode_page_token
from basalt.store.repos.audit import AuditRepo
from basalt.store.tables import AuditRow
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)

OUTCOMES = ("ok", "denied", "error")
"""The outcomes an event may have."""

_MAX_TEXT = 2000


def outcome_of(status: int, *, access_denied: bool = False) -> str:
    """The outcome of a response status.

    ``ok`` below 400, ``denied`` for 401/403 (and a 404 that access control chose to answer),
    ``error`` otherwise.
    """
    if status < 400:
        return "ok"
    if status in (401, 403) or (status == 404 and access_denied):
        return "denied"
    return "error"


class AuditService:
    """Appends and lists audit events.

    Args:
        uow: The store's unit of work.
        clock: Time source for the events' ``at``.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def record(
        self,
        *,
        principal: str,
        operation: str,
        method: str,
        path: str,
        status: int,
        outcome: str,
        workspace: str | None = None,
        target: str | None = None,
        address: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one event. Callers pass names, paths and statuses, never bodies or headers.

        Args:
            principal: Who called (``anonymous`` when no one signed in).
            operation: The API operation (``runs.create``) or the MLflow path.
            method: HTTP method.
            path: Request path (no query string).
            status: HTTP status of the response.
            outcome: ``ok``, ``denied`` or ``error`` (see ``outcome_of``).
            workspace: Workspace the operation acted in.
            target: What it acted on (the path's other parameters, joined by ``/``).
            address: Client address.
            details: Small extra facts (never secrets).
        """
        self.record_many(
            [
                {
                    "principal": principal,
                    "operation": operation,
                    "method": method,
                    "path": path,
                    "status": status,
                    "outcome": outcome,
                    "workspace": workspace,
                    "target": target,
                    "address": address,
                    "details": details,
                }
            ]
        )

    def record_many(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Append several events (each with ``record``'s arguments) in one transaction."""
        if not events:
            return
        now = self.clock.now()
        rows = [_to_row(event, event.get("at") or now) for event in events]
        with self.uow(write=True) as session:
            repo = AuditRepo(session)
            for row in rows:
                repo.add(row)

    def list(
        self, query: AuditQuery, visible_workspaces: Collection[str] | None = None
    ) -> Page[AuditEvent]:
        """Events newest first, filtered by ``query``.

        Args:
            query: since (inclusive), until (exclusive), user, workspace, operation, paging.
            visible_workspaces: The workspaces the caller may see; None: every event (the
                server-wide log, for administrators).

        Returns:
            A page of events; ``next_page_token`` continues after the last one.

        Raises:
            InvalidArgumentError: A page token this server did not make.
        """
        limit = query.max_results or DEFAULT_PAGE_SIZE
        cursor = decode_page_token(query.page_token)
        workspaces: Collection[str] | None = visible_workspaces
        if query.workspace is not None:
            allowed = visible_workspaces is None or query.workspace in visible_workspaces
            workspaces = [query.workspace] if allowed else []
        with self.uow() as session:
            rows = AuditRepo(session).list(
                before_id=cursor or None,
                limit=limit + 1,
                since=_aware(query.since),
                until=_aware(query.until),
                principal=query.user,
                workspaces=workspaces,
                operation=query.operation,
            )
            items = [_to_spec(row) for row in rows[:limit]]
        token = encode_page_token(items[-1].id) if len(rows) > limit and items else None
        return Page(items=items, next_page_token=token)


def _to_row(event: Mapping[str, Any], at: Any) -> AuditRow:
    workspace, target, address = event.get("workspace"), event.get("target"), event.get("address")
    outcome = str(event["outcome"])
    return AuditRow(
        at=at,
        principal=str(event["principal"])[:255],
        operation=str(event["operation"])[:128],
        method=str(event["method"])[:8],
        path=str(event["path"])[:_MAX_TEXT],
        workspace=str(workspace)[:255] if workspace else None,
        target=str(target)[:_MAX_TEXT] if target else None,
        address=str(address)[:64] if address else None,
        status=int(event["status"]),
        outcome=outcome if outcome in OUTCOMES else "error",
        details=dict(event.get("details") or {}),
    )


def _aware(value: Any) -> Any:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _to_spec(row: AuditRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        at=row.at,
        principal=row.principal,
        operation=row.operation,
        method=row.method,
        path=row.path,
        workspace=row.workspace,
        target=row.target,
        address=row.address,
        status=row.status,
        outcome=row.outcome,
        details=dict(row.details or {}),
    )
