"""Runs: creation, status transitions, params, tags, metrics, filters and artifacts."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from basalt._internal.clock import Clock
from basalt._internal.ids import new_run_name
from basalt._internal.paths import normalize_artifact_path
from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError, invalid
from basalt.services.experiments import ExperimentService
from basalt.services.workspaces import workspace_id
from basalt.spec.common import (
    DEFAULT_PAGE_SIZE,
    Page,
    check_name,
    decode_page_token,
    encode_page_token,
)
from basalt.spec.filters import parse_filter, parse_order_by
from basalt.spec.runs import (
    ALLOWED_TRANSITIONS,
    ArtifactFile,
    LogBatch,
    LogBatchResult,
    MetricSeries,
    Run,
    RunCreate,
    RunError,
    RunListQuery,
    RunStatus,
    RunUpdate,
    StatusChange,
)
from basalt.store.filters import apply_order, filter_clause
from basalt.store.repos.experiments import ExperimentRepo
from basalt.store.repos.metric_chunks import BucketExtremes
from basalt.store.repos.runs import PointTuple, RunRepo
from basalt.store.tables import RunRow
from basalt.store.uow import Session, UnitOfWork

if TYPE_CHECKING:
    from basalt.artifacts import ArtifactStore

logger = logging.getLogger(__name__)


class RunService:
    """Run rules: one record for jobs and interactive runs.

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
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = RunRepo(session)
            if repo.find_by_name(ws_id, name) is not None:
                raise AlreadyExistsError(f"Run '{name}' already exists in workspace '{workspace}'")
            parent_id = None
            if body.parent_name:
                parent = self._get_row(session, ws_id, workspace, body.parent_name)
                parent_id = parent.id
            experiment = self.experiments.resolve_or_create(session, ws_id, body.experiment_name)
            row = repo.add(
                RunRow(
                    workspace_id=ws_id,
                    experiment_id=experiment.id,
                    name=name,
                    display_name=body.display_name,
                    description=body.description,
                    kind="interactive" if body.spec is None else "job",
                    status=body.status.value,
                    created_at=now,
                    updated_at=now,
                    start_time=now if body.status == RunStatus.RUNNING else None,
                    created_by=body.created_by,
                    parent_id=parent_id,
                    spec=body.spec,
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
            row = self._get_row(session, ws_id, workspace, name)
            return self._to_specs(session, [row])[0]

    def update_run(self, workspace: str, name: str, body: RunUpdate) -> Run:
        """Apply the fields sent in ``body``; a status change follows the transitions table.

        Raises:
            NotFoundError: No such run.
            ConflictError: The status change is not allowed from the current status.
        """
        sent = body.model_fields_set
        now = self.clock.now()
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = RunRepo(session)
            row = self._get_row(session, ws_id, workspace, name, lock=True)
            if "status" in sent and body.status is not None:
                self._transition(repo, row, body.status, now)
            if "display_name" in sent:
                row.display_name = body.display_name
            if "description" in sent:
                row.description = body.description or ""
            if "error" in sent:
                row.error = body.error.model_dump(mode="json") if body.error else None
            row.updated_at = now
            session.flush()
            return self._to_specs(session, [row])[0]

    def _transition(self, repo: RunRepo, row: RunRow, target: RunStatus, now: datetime) -> None:
        current = RunStatus(row.status)
        if target == current:
            return
        if target not in ALLOWED_TRANSITIONS[current]:
            raise ConflictError(
                f"Run '{row.name}' is {current.value}; it cannot become {target.value}",
                details={"status": current.value, "requested": target.value},
            )
        row.status = target.value
        if target == RunStatus.RUNNING and row.start_time is None:
            row.start_time = now
        if target.is_terminal():
            row.end_time = now
            if row.start_time is None:
                row.start_time = now
        repo.add_status_change(row.id, target.value, now)

    def archive_run(self, workspace: str, name: str, archived: bool = True) -> Run:
        """Hide a run from lists (or show it again); it stays readable by name."""
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self._get_row(session, ws_id, workspace, name)
            row.archived = archived
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_specs(session, [row])[0]

    def list_runs(self, workspace: str, query: RunListQuery) -> Page[Run]:
        """Runs matching a filter, in the requested order, one page.

        Raises:
            NotFoundError: No such workspace or experiment.
            InvalidArgumentError: The filter or order is malformed.
        """
        expr = parse_filter(query.filter) if query.filter else None
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
        points: list[PointTuple] = [(m.key, m.value, m.step, m.timestamp) for m in batch.metrics]
        with self.uow(write=True) as session:
            repo = RunRepo(session)
            run_id = repo.find_id(workspace, name)
            if run_id is None:  # raises NotFoundError naming the workspace or the run
                ws_id = workspace_id(session, workspace)
                run_id = self._get_row(session, ws_id, workspace, name).id
            if batch.params:
                new_params = self._check_params(repo, run_id, name, batch.params)
                repo.insert_params(run_id, new_params)
            repo.upsert_tags(run_id, dict(batch.tags))
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
            row = self._get_row(session, ws_id, workspace, name)
            if RunRepo(session).delete_tag(row.id, key) == 0:
                raise NotFoundError(f"Run '{name}' has no tag '{key}'")

    def get_metric_history(
        self, workspace: str, name: str, key: str, max_points: int | None = None
    ) -> MetricSeries:
        """Every point of one metric, or a downsampled series of at most ``max_points`` points.

        Downsampling splits the steps into ``max_points // 2`` equal buckets and keeps each
        bucket's first minimum and first maximum in step order, so a spike is never averaged
        away; NaN is kept only for a bucket that holds nothing else. ``total_points`` always
        counts every stored point.

        Raises:
            NotFoundError: No such run, or the run never logged ``key``.
            InvalidArgumentError: ``max_points`` is below 2.
        """
        if max_points is not None and max_points < 2:
            raise invalid("max_points", "max_points must be at least 2")
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = self._get_row(session, ws_id, workspace, name)
            repo = RunRepo(session)
            chunks = repo.metric_chunks(row.id, key)
            total = sum(c.n for c in chunks)
            if total == 0:
                raise NotFoundError(f"Run '{name}' has no metric '{key}'")
            if max_points is None or total <= max_points:
                steps, stamps, values = repo.metric_history(row.id, key)
                # NOTE: built without validation: a million stored points are already ints and
                # floats, and validating them again would cost a tenth of the 1 s budget.
                return MetricSeries.model_construct(
                    run_name=name,
                    key=key,
                    steps=steps,
                    timestamps=stamps,
                    values=values,
                    downsampled=False,
                    total_points=total,
                )
            buckets = repo.metric_buckets(row.id, key, chunks, max_points // 2)
        ds, dt, dv = _keep_min_max(buckets)
        return MetricSeries(
            run_name=name,
            key=key,
            steps=ds,
            timestamps=dt,
            values=dv,
            downsampled=True,
            total_points=total,
        )

    # --- artifacts ----------------------------------------------------------------------------

    def artifact_prefix(self, workspace: str, name: str) -> str:
        """Where a run's files live in the artifact store."""
        return f"workspaces/{workspace}/runs/{name}"

    def upload_artifact(
        self, workspace: str, name: str, path: str, source: Path | IO[bytes] | bytes
    ) -> ArtifactFile:
        """Store one file of a run under ``path``.

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: ``path`` is absolute, empty or contains ``..``.
        """
        clean = normalize_artifact_path(path)
        self.get_run(workspace, name)
        full = f"{self.artifact_prefix(workspace, name)}/{clean}"
        if isinstance(source, bytes):
            info = self.artifacts.put_bytes(full, source)
        elif isinstance(source, Path):
            info = self.artifacts.put_file(full, source)
        else:
            info = self.artifacts.put_stream(full, source)
        return ArtifactFile(path=clean, size=info.size, is_dir=False)

    def list_artifacts(self, workspace: str, name: str, path: str = "") -> list[ArtifactFile]:
        """Files and folders of a run under ``path`` (paths relative to the run)."""
        clean = normalize_artifact_path(path, allow_empty=True)
        self.get_run(workspace, name)
        prefix = self.artifact_prefix(workspace, name)
        base = f"{prefix}/{clean}" if clean else prefix
        if not self.artifacts.exists(base):
            return []
        items = self.artifacts.list(base, recursive=True)
        return [
            ArtifactFile(path=i.relative_to(prefix).path, size=i.size, is_dir=i.is_dir)
            for i in items
        ]

    def open_artifact(self, workspace: str, name: str, path: str) -> BinaryIO:
        """A stream of one file of a run.

        Raises:
            NotFoundError: No such run or file.
        """
        clean = normalize_artifact_path(path)
        self.get_run(workspace, name)
        try:
            return self.artifacts.open(f"{self.artifact_prefix(workspace, name)}/{clean}")
        except NotFoundError:
            raise NotFoundError(
                f"Run '{name}' has no file '{clean}'; 'basalt job show {name}' lists its files",
                details={"run": name, "path": clean},
            ) from None

    # --- helpers ------------------------------------------------------------------------------

    def _get_row(
        self, session: Session, ws_id: int, workspace: str, name: str, *, lock: bool = False
    ) -> RunRow:
        row = RunRepo(session).find_by_name(ws_id, name, lock=lock)
        if row is None:
            raise NotFoundError(
                f"Run '{name}' not found in workspace '{workspace}'", details={"run": name}
            )
        return row

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


def downsample_min_max(
    steps: list[int], stamps: list[int], values: list[float], buckets: int
) -> tuple[list[int], list[int], list[float]]:
    """Keep the minimum and maximum point of each of ``buckets`` equal step ranges.

    Points stay in step order; NaN values are kept only where a bucket holds nothing else.
    """
    lo, hi = steps[0], steps[-1]
    span = hi - lo + 1
    out_s: list[int] = []
    out_t: list[int] = []
    out_v: list[float] = []
    start = 0
    n = len(steps)
    while start < n:
        bucket = (steps[start] - lo) * buckets // span
        end = start
        i_min = i_max = -1
        while end < n and (steps[end] - lo) * buckets // span == bucket:
            v = values[end]
            if not math.isnan(v):
                if i_min < 0 or v < values[i_min]:
                    i_min = end
                if i_max < 0 or v > values[i_max]:
                    i_max = end
            end += 1
        keep = sorted({i_min, i_max}) if i_min >= 0 else [start]
        for i in keep:
            out_s.append(steps[i])
            out_t.append(stamps[i])
            out_v.append(values[i])
        start = end
    return out_s, out_t, out_v


def _keep_min_max(buckets: list[BucketExtremes]) -> tuple[list[int], list[int], list[float]]:
    """Apply the downsampling rule to each bucket's extremes (see ``downsample_min_max``)."""
    out_s: list[int] = []
    out_t: list[int] = []
    out_v: list[float] = []
    for bucket in buckets:
        if bucket.low is None or bucket.high is None:
            keep = [bucket.first]
        elif bucket.low.value == bucket.high.value:
            keep = [bucket.low]  # every value is equal: the first minimum is the first maximum
        else:
            keep = sorted((bucket.low, bucket.high), key=lambda e: e.position)
        for point in keep:
            out_s.append(point.step)
            out_t.append(point.timestamp)
            out_v.append(point.value)
    return out_s, out_t, out_v
