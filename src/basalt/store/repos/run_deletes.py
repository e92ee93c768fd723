"""Deleting runs: a run and the children below it (a sweep's trials), with every row of theirs."""

from __future__ import annotations

import builtins

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from basalt.store.tables import RunRow


class RunDeleteRepo:
    """Finds a run's descendants and deletes runs.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def descendants(self, run_id: int) -> builtins.list[RunRow]:
        """Every run below ``run_id`` (children, their children ...), nearest first."""
        out: builtins.list[RunRow] = []
        frontier = [run_id]
        seen = {run_id}
        while frontier:
            stmt = select(RunRow).where(RunRow.parent_id.in_(frontier)).order_by(RunRow.id)
            children = [r for r in self.session.scalars(stmt) if r.id not in seen]
            seen.update(r.id for r in children)
            out.extend(children)
            frontier = [r.id for r in children]
        return out

    def delete(self, run_ids: builtins.list[int]) -> int:
        """Delete runs; the number deleted.

        Metrics, params, tags and status history go with them (ON DELETE CASCADE); asset
        versions they produced keep their lineage by name (``asset_versions.run_id`` is ON
        DELETE SET NULL, ``spec.job_name`` stays).
        """
        if not run_ids:
            return 0
        stmt = delete(RunRow).where(RunRow.id.in_(run_ids))
        result = self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)
