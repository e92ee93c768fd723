"""Experiment queries."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from basalt.spec.filters import Expr, OrderBy
from basalt.store.experiment_filters import apply_experiment_order, experiment_filter_clause
from basalt.store.tables import ExperimentRow, ExperimentTagRow, RunRow


class ExperimentRepo:
    """Reads and writes experiment rows and their tags."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find_by_name(self, workspace_id: int, name: str) -> ExperimentRow | None:
        """The experiment called ``name`` in the workspace, or None."""
        stmt = select(ExperimentRow).where(
            ExperimentRow.workspace_id == workspace_id, ExperimentRow.name == name
        )
        return self.session.scalars(stmt).first()

    def find_by_id(self, workspace_id: int, experiment_id: int) -> ExperimentRow | None:
        """The experiment with this id in the workspace, or None."""
        stmt = select(ExperimentRow).where(
            ExperimentRow.workspace_id == workspace_id, ExperimentRow.id == experiment_id
        )
        return self.session.scalars(stmt).first()

    def list(
        self, workspace_id: int, *, include_archived: bool, offset: int, limit: int
    ) -> builtins.list[ExperimentRow]:
        """Experiments of the workspace, newest first."""
        stmt = select(ExperimentRow).where(ExperimentRow.workspace_id == workspace_id)
        if not include_archived:
            stmt = stmt.where(ExperimentRow.archived.is_(False))
        stmt = stmt.order_by(ExperimentRow.created_at.desc(), ExperimentRow.id.desc())
        return list(self.session.scalars(stmt.offset(offset).limit(limit)))

    def search(
        self,
        workspace_id: int,
        *,
        view: Literal["active", "archived", "all"],
        where: Expr | None,
        order_by: Sequence[OrderBy],
        offset: int,
        limit: int,
    ) -> builtins.list[ExperimentRow]:
        """Experiments of the workspace matching a parsed filter, in order, one page."""
        stmt = select(ExperimentRow).where(ExperimentRow.workspace_id == workspace_id)
        if view != "all":
            stmt = stmt.where(ExperimentRow.archived.is_(view == "archived"))
        if where is not None:
            stmt = stmt.where(experiment_filter_clause(where))
        stmt = apply_experiment_order(stmt, order_by)
        return list(self.session.scalars(stmt.offset(offset).limit(limit)))

    def set_runs_archived(self, experiment_id: int, archived: bool) -> None:
        """Archive (or restore) every run of an experiment."""
        stmt = update(RunRow).where(RunRow.experiment_id == experiment_id)
        self.session.execute(stmt.values(archived=archived))

    def tags(self, experiment_ids: builtins.list[int]) -> dict[int, dict[str, str]]:
        """Tags of several experiments."""
        out: dict[int, dict[str, str]] = {i: {} for i in experiment_ids}
        if experiment_ids:
            stmt = select(ExperimentTagRow).where(
                ExperimentTagRow.experiment_id.in_(experiment_ids)
            )
            for tag in self.session.scalars(stmt):
                out[tag.experiment_id][tag.key] = tag.value
        return out

    def run_counts(self, experiment_ids: builtins.list[int]) -> dict[int, int]:
        """Number of runs in each experiment."""
        if not experiment_ids:
            return {}
        stmt = (
            select(RunRow.experiment_id, func.count())
            .where(RunRow.experiment_id.in_(experiment_ids))
            .group_by(RunRow.experiment_id)
        )
        return {eid: n for eid, n in self.session.execute(stmt)}

    def add(self, row: ExperimentRow, tags: dict[str, str]) -> ExperimentRow:
        """Insert an experiment with its tags."""
        self.session.add(row)
        self.session.flush()
        self.set_tags(row.id, tags)
        return row

    def set_tags(self, experiment_id: int, tags: dict[str, str]) -> None:
        """Insert or overwrite tags."""
        for key, value in tags.items():
            self.session.merge(ExperimentTagRow(experiment_id=experiment_id, key=key, value=value))

    def delete_tag(self, experiment_id: int, key: str) -> int:
        """Delete one tag; returns the number of rows removed."""
        stmt = delete(ExperimentTagRow).where(
            ExperimentTagRow.experiment_id == experiment_id, ExperimentTagRow.key == key
        )
        return self.session.execute(stmt).rowcount  # type: ignore[attr-defined,no-any-return]
