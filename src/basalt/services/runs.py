"""Runs: creation, status transitions, params, tags, dataset inputs and filters.

Metric reads live in ``run_metrics.py`` and files in ``run_artifacts.py``, mixed into
``RunService`` so callers see one service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from basalt._internal.clock import Clock
from basalt._internal.ids import new_run_name
from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError, invalid
from basalt.services._run_rows import get_run_row
from basalt.services.experiments import ExperimentService
from basalt.services.run_artifacts import RunArtifactsMixin
from basalt.services.run_metrics import RunMetricsMixin, downsample_min_max
from basalt.services.workspaces import workspace_id
from basalt.spec.common import (
    DEFAULT_PAGE_SIZE,
    Page,
    check_name,
    decode_page_token,
    encode_page_token,
)
from basalt.spec.filters import And, Expr, parse_filter, parse_order_by
from basalt.spec.runs import (
    DATASETS_PROPERTY,
    RUN_NAME_TAG,
    DatasetInput,
    LogBatch,
    LogBatchResult,
    Run,
    RunCreate,
    RunError,
    RunListQuery,
    RunStatus,
    RunUpdate,
    StatusChange,
    is_allowed_transition,
)
from basalt.store.filters import apply_order, filter_clause
from basalt.store.repos.experiments import ExperimentRepo
from basalt.store.repos.runs import PointTuple, RunRepo
from basalt.store.tables import RunRow
from basalt.store.uow import Session, UnitOfWork

if TYPE_CHECKING:
    from basalt.artifacts import ArtifactStore

logger = logging.getLogger(__name__)


class RunService(RunMetricsMixin, RunArtifactsMixin):
    """Run rules: one record for jobs and interactive runs.

    The tag ``mlflow.runName`` mirrors ``display_name``: logging the tag sets the display name,
    and changing the display name rewrites the tag on a run that has it.

    Args:
        uow: Unit of work on the metadata store.
        clock: Source of the current time.
        experiments: Resolves (and creates) experiments by name.
        artifacts: Where run files live.
        name_factory: Makes new run names (injectable for tests).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        experiments: ExperimentService,
        artifacts: ArtifactStore,
        name_factory: Callable[[], str] = new_run_name,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.experiments = experiments
        self.artifacts = artifacts
        self.name_factory = name_factory

    # --- lifecycle ----------------------------------------------------------------------------

    def create_run(self, workspace: str, body: RunCreate) -> Run:
        """Create a run in ``body.experiment_name`` (created on first use).

        Raises:
            NotFoundError: No such workspace, or no such parent run.
            AlreadyExistsError: ``body.name`` is taken.
            InvalidArgumentError: A bad name, tag or param.
        """
        name = check_name(body.name, "name") if body.name else self.name_factory()
        now = self.clock.now()
        display_name = _display_name(body.display_name, body.tags.get(RUN_NAME_TAG))
        start_time = _utc(body.start_time) or now if body.status == RunStatus.RUNNING else None
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = RunRepo(session)
            if repo.find_by_name(ws_id, name) is not None:
                raise AlreadyExistsError(f"Run '{name}' already exists in workspace '{workspace}'")
            parent_id = None
            if body.parent_name:
                parent = get_run_row(session, ws_id, workspace, body.parent_name)
                parent_id = parent.id
            experiment = self.experiments.resolve_or_create(session, ws_id, body.experiment_name)
            row = repo.add(
                RunRow(
                    workspace_id=ws_id,
                    experiment_id=experiment.id,
                    name=name,
                    display_name=display_name,
                    description=body.description,
                    kind="interactive" if body.spec is None else "job",
                    status=body.status.value,
                    created_at=now,
                    updated_at=now,
                    start_time=start_time,
                    created_by=body.created_by,
                    parent_id=parent_id,
                    spec=body.spec,
                    snapshot_id=body.snapshot_id,
                    properties=dict(body.properties),
                    archived=False,
                )
            )
            repo.add_status_change(row.id, body.status.value, now)
            repo.insert_params(row.id, dict(body.params))
            repo.upsert_tags(row.id, dict(body.tags))
            session.flush()
            logger.info("created run %s in %s/%s", name, workspace, body.experiment_name)
            return self._to_specs(session, [row])[0]

    def get_run(self, workspace: str, name: str) -> Run:
        """The run called ``name``.

        Raises:
            NotFoundError: No such workspace or run.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, name)
            return self._to_specs(session, [row])[0]

    def update_run(
        self, workspace: str, name: str, body: RunUpdate, *, from_script: bool = False
    ) -> Run:
        """Apply the fields sent in ``body``; a status change follows the transitions table.

        An interactive run that has ended may be set ``Running`` again (resumed); its end time
        is cleared. ``end_time`` overrides the time a final status records (it is ignored
        while the run has not ended).

        ``from_script`` marks an update sent by code inside a run (the MLflow client): on a job
        its status, end time and error are then left to the job's runner.

        Raises:
            NotFoundError: No such run.
            ConflictError: The status change is not allowed from the current status.
        """
        sent = set(body.model_fields_set)
        now = self.clock.now()
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = RunRepo(session)
            row = get_run_row(session, ws_id, workspace, name, lock=True)
            if from_script and row.kind == "job":
                # A job's status belongs to its runner: ``mlflow.end_run()`` inside a job must
                # not mark it Completed before its outputs are collected.
                sent -= {"status", "end_time", "error"}
            if "status" in sent and body.status is not None:
                self._transition(repo, row, body.status, now)
            if "end_time" in sent and RunStatus(row.status).is_terminal():
                # NOTE: only for an ended run: MLflow resumes a run by sending Running with the
                # old end time, which must not make a running run look ended.
                row.end_time = _utc(body.end_time) or row.end_time
            if "display_name" in sent:
                row.display_name = body.display_name
                if body.display_name and RUN_NAME_TAG in repo.tags([row.id])[row.id]:
                    repo.upsert_tags(row.id, {RUN_NAME_TAG: body.display_name})
            if "description" in sent:
                row.description = body.description or ""
            if "error" in sent:
                row.error = body.error.model_dump(mode="json") if body.error else None
            row.updated_at = now
            session.flush()
            return self._to_specs(session, [row])[0]

    def set_properties(
        self,
        workspace: str,
        name: str,
        changes: dict[str, str | None],
        *,
        status: RunStatus | None = None,
    ) -> Run:
        """Set (or, with None, remove) system properties of a run, e.g. a job's runner handle.

        With ``status``, the status changes in the same transaction.

        Raises:
            NotFoundError: No such run.
            ConflictError: The status change is not allowed.
        """
        with self.uow(write=True) as session:
            row = get_run_row(session, workspace_id(session, workspace), workspace, name, lock=True)
            if status is not None:
                self._transition(RunRepo(session), row, status, self.clock.now())
            props = dict(row.properties or {})
            for key, value in changes.items():
                if value is None:
                    props.pop(key, None)
                else:
                    props[key] = value
            row.properties = props
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_specs(session, [row])[0]

    def _transition(self, repo: RunRepo, row: RunRow, target: RunStatus, now: datetime) -> None:
        current = RunStatus(row.status)
        if target == current:
            return
        if not is_allowed_transition(current, target, row.kind):
            raise ConflictError(
                f"Run '{row.name}' is {current.value}; it cannot become {target.value}",
                details={"status": current.value, "requested": target.value},
            )
        row.status = target.value
        if target == RunStatus.RUNNING and row.start_time is None:
            row.start_time = now
        if current.is_terminal():  # resumed
            row.end_time = None
        if target.is_terminal():
            row.end_time = now
            if row.start_time is None:
                row.start_time = now
        repo.add_status_change(row.id, target.value, now)

    def archive_run(self, workspace: str, name: str, archived: bool = True) -> Run:
        """Hide a run from lists (or show it again); it stays readable by name."""
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, name)
            row.archived = archived
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_specs(session, [row])[0]

    def list_runs(
        self, workspace: str, query: RunListQuery, *, where: Expr | None = None
    ) -> Page[Run]:
        """Runs matching a filter, in the requested order, one page.

        Args:
            workspace: Workspace name.
            query: Experiment, filter text, order and page.
            where: An already parsed condition that runs must meet too (for callers that
                build or rewrite filters, such as the MLflow-compatible API).

        Raises:
            NotFoundError: No such workspace or experiment.
            InvalidArgumentError: The filter or order is malformed.
        """
        expr = parse_filter(query.filter) if query.filter else None
        if where is not None:
            expr = where if expr is None else And((expr, where))
        order = parse_order_by(query.order_by)
        limit = query.max_results or DEFAULT_PAGE_SIZE
        offset = decode_page_token(query.page_token)
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            experiment_id = None
            if query.experiment_name is not None:
                exp = ExperimentRepo(session).find_by_name(ws_id, query.experiment_name)
                if exp is None:
                    raise NotFoundError(
                        f"Experiment '{query.experiment_name}' not found in workspace '{workspace}'"
                    )
                experiment_id = exp.id
            repo = RunRepo(session)
            stmt = repo.base_query(ws_id, experiment_id, query.include_archived)
            if expr is not None:
                stmt = stmt.where(filter_clause(expr))
            stmt = apply_order(stmt, order)
            rows = repo.page(stmt, offset, limit + 1)
            token = encode_page_token(offset + limit) if len(rows) > limit else None
            return Page(items=self._to_specs(session, rows[:limit]), next_page_token=token)

    # --- logging ------------------------------------------------------------------------------

    def log_batch(self, workspace: str, name: str, batch: LogBatch) -> LogBatchResult:
        """Store metrics, params and tags of one run in one transaction.

        Params are immutable: logging a key again with the same value is accepted, with a
        different value it is refused (as MLflow does).

        Raises:
            NotFoundError: No such run.
            ConflictError: A param already has a different value.
            InvalidArgumentError: A step or timestamp does not fit in 64 bits.
        """
        points: list[PointTuple] = batch.points()
        with self.uow(write=True) as session:
            repo = RunRepo(session)
            run_id = repo.find_id(workspace, name)
            if run_id is None:  # raises NotFoundError naming the workspace or the run
                ws_id = workspace_id(session, workspace)
                run_id = get_run_row(session, ws_id, workspace, name).id
            if batch.params:
                new_params = self._check_params(repo, run_id, name, batch.params)
                repo.insert_params(run_id, new_params)
            repo.upsert_tags(run_id, dict(batch.tags))
            if RUN_NAME_TAG in batch.tags:
                repo.set_display_name(run_id, batch.tags[RUN_NAME_TAG] or None)
            try:
                repo.insert_metrics(run_id, points)
            except OverflowError as exc:
                raise invalid(
                    "metrics", f"metric steps and timestamps must fit in 64 bits ({exc})"
                ) from exc
        return LogBatchResult(metrics=len(points), params=len(batch.params), tags=len(batch.tags))

    def _check_params(
        self, repo: RunRepo, run_id: int, run_name: str, params: dict[str, str]
    ) -> dict[str, str]:
        existing = repo.existing_params(run_id, params)
        for key, old in existing.items():
            if params[key] != old:
                raise ConflictError(
                    f"Param '{key}' of run '{run_name}' is already '{old}'; params cannot change "
                    f"(log '{params[key]}' under another key, or as a tag)",
                    details={"field": f"params.{key}"},
                )
        return {k: v for k, v in params.items() if k not in existing}

    def delete_tag(self, workspace: str, name: str, key: str) -> None:
        """Remove a tag from a run.

        Raises:
            NotFoundError: No such run or tag.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, name)
            if RunRepo(session).delete_tag(row.id, key) == 0:
                raise NotFoundError(f"Run '{name}' has no tag '{key}'")

    def log_inputs(self, workspace: str, name: str, datasets: list[DatasetInput]) -> Run:
        """Record datasets a run read (references and metadata; the data stays where it is).

        They are kept in the run's ``basalt.datasets`` property. A dataset logged again (same
        name and digest) is recorded once, its tags merged, later values winning.

        Raises:
            NotFoundError: No such run.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, name, lock=True)
            properties = dict(row.properties or {})
            known = [
                DatasetInput.model_validate(d)
                for d in json.loads(properties.get(DATASETS_PROPERTY) or "[]")
            ]
            by_id = {(d.name, d.digest): d for d in known}
            for dataset in datasets:
                old = by_id.get((dataset.name, dataset.digest))
                if old is None:
                    by_id[(dataset.name, dataset.digest)] = dataset
                else:
                    merged = {**old.tags, **dataset.tags}
                    by_id[(dataset.name, dataset.digest)] = dataset.model_copy(
                        update={"tags": merged}
                    )
            dumped = [d.model_dump(mode="json", exclude_none=True) for d in by_id.values()]
            properties[DATASETS_PROPERTY] = json.dumps(dumped, separators=(",", ":"))
            row.properties = properties
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_specs(session, [row])[0]

    # --- helpers ------------------------------------------------------------------------------

    def _to_specs(self, session: Session, rows: list[RunRow]) -> list[Run]:
        if not rows:
            return []
        repo = RunRepo(session)
        ids = [r.id for r in rows]
        params, tags, metrics = repo.params(ids), repo.tags(ids), repo.latest_metrics(ids)
        history, children = repo.status_history(ids), repo.children(ids)
        experiments = repo.experiment_names(r.experiment_id for r in rows)
        parents = repo.names_by_id(r.parent_id for r in rows if r.parent_id is not None)
        now = self.clock.now()
        out = []
        for r in rows:
            duration = None
            if r.start_time is not None:
                duration = ((r.end_time or now) - r.start_time).total_seconds()
            out.append(
                Run(
                    name=r.name,
                    display_name=r.display_name,
                    experiment_name=experiments[r.experiment_id],
                    experiment_id=str(r.experiment_id),
                    kind="job" if r.kind == "job" else "interactive",
                    status=RunStatus(r.status),
                    description=r.description,
                    created_at=r.created_at,
                    start_time=r.start_time,
                    end_time=r.end_time,
                    duration_s=duration,
                    created_by=r.created_by,
                    params=params[r.id],
                    tags=tags[r.id],
                    properties=dict(r.properties or {}),
                    metrics=metrics[r.id],
                    status_history=[
                        StatusChange(status=RunStatus(h.status), at=h.at) for h in history[r.id]
                    ],
                    parent_name=parents.get(r.parent_id) if r.parent_id is not None else None,
                    children=children[r.id],
                    spec=r.spec,
                    snapshot_id=r.snapshot_id,
                    error=RunError.model_validate(r.error) if r.error else None,
                    archived=r.archived,
                )
            )
        return out


def _utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _display_name(display_name: str | None, tag: str | None) -> str | None:
    """The display name of a new run given its ``display_name`` and its ``mlflow.runName`` tag.

    Raises:
        InvalidArgumentError: Both are given and differ.
    """
    if tag is None or tag == "":
        return display_name
    if display_name is not None and display_name != tag:
        raise invalid(
            "display_name",
            f"display_name {display_name!r} and tag {RUN_NAME_TAG} {tag!r} differ; give one, "
            "or the same value in both",
        )
    return tag


__all__ = ["RunService", "downsample_min_max"]
