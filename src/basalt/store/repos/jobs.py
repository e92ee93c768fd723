"""Queries the job scheduler needs across workspaces: active and queued jobs, atomic claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from basalt.store.tables import RunRow, RunStatusChangeRow, WorkspaceRow


def jobs_in_status(session: Session, statuses: Sequence[str]) -> list[tuple[str, RunRow]]:
    """``(workspace name, run)`` of every job in one of ``statuses``, oldest first."""
    stmt = (
        select(WorkspaceRow.name, RunRow)
        .join(WorkspaceRow, WorkspaceRow.id == RunRow.workspace_id)
        .where(RunRow.kind == "job", RunRow.status.in_(list(statuses)))
        .order_by(RunRow.created_at, RunRow.id)
    )
    return [(ws, row) for ws, row in session.execute(stmt).all()]


def claim(session: Session, run_id: int, expected: str, target: str, now: datetime) -> bool:
    """Move a run from ``expected`` to ``target`` only if it is still ``expected``.

    Two scheduler passes at once (two CLIs, two server replicas) both try; exactly one wins.
    """
    result = session.execute(
        update(RunRow)
        .where(RunRow.id == run_id, RunRow.status == expected)
        .values(status=target, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    session.add(RunStatusChangeRow(run_id=run_id, status=target, at=now))
    return True
