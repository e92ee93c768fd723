"""Run metrics: full, downsampled and paged history, and the latest point of every key."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from basalt.errors import NotFoundError, invalid
from basalt.services._run_rows import get_run_row
from basalt.services.workspaces import workspace_id
from basalt.spec.common import decode_page_token, encode_page_token
from basalt.spec.runs import MetricPoint, MetricSeries
from basalt.store.repos.metric_chunks import BucketExtremes
from basalt.store.repos.runs import RunRepo
from basalt.store.uow import UnitOfWork


class RunMetricsMixin:
    """The metric reads of ``RunService`` (mixed into it; needs its ``uow``)."""

    uow: UnitOfWork

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
            row = get_run_row(session, ws_id, workspace, name)
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

    def get_metric_history_page(
        self,
        workspace: str,
        name: str,
        key: str,
        *,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> MetricSeries:
        """One page of the points of a metric, in step order, then time, then logging order.

        Unlike ``get_metric_history``, a key the run never logged is an empty series (MLflow's
        rule). ``next_page_token`` is set while points remain; ``total_points`` counts them all.

        Args:
            workspace: Workspace name.
            name: Run name.
            key: Metric key.
            max_results: Most points in the page; None for every point from the token on.
            page_token: Where to continue, from the previous page.

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: ``max_results`` is below 1, or a token is not ours.
        """
        if max_results is not None and max_results < 1:
            raise invalid("max_results", "max_results must be at least 1")
        offset = decode_page_token(page_token)
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, name)
            steps, stamps, values, total = RunRepo(session).metric_history_slice(
                row.id, key, offset, max_results
            )
        end = offset + len(steps)
        return MetricSeries.model_construct(
            run_name=name,
            key=key,
            steps=steps,
            timestamps=stamps,
            values=values,
            downsampled=False,
            total_points=total,
            next_page_token=encode_page_token(end) if end < total and steps else None,
        )

    def sample_metric_histories(
        self,
        workspace: str,
        names: Sequence[str],
        key: str,
        max_points: int,
        step_range: tuple[int, int] | None = None,
    ) -> list[MetricSeries]:
        """At most ``max_points`` evenly spaced points of one metric of each run (MLflow's rule).

        Each run is sampled on its own, over its points in step order (within ``step_range``,
        both ends included, when given): the first and the last point are always kept and the
        others are picked at evenly spaced positions; with ``max_points`` 1 only the last point
        is kept. A run that never logged ``key`` gives an empty series. The series come back in
        the order of ``names``.

        Raises:
            NotFoundError: No such workspace or run.
            InvalidArgumentError: ``max_points`` is below 1.
        """
        if max_points < 1:
            raise invalid("max_results", "max_results must be at least 1")
        out: list[MetricSeries] = []
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            repo = RunRepo(session)
            rows = [get_run_row(session, ws_id, workspace, name) for name in names]
            for row in rows:
                steps, stamps, values = repo.metric_history(row.id, key)
                keep = range(len(steps))
                if step_range is not None:
                    lo, hi = step_range
                    keep = range(bisect_left(steps, lo), bisect_right(steps, hi))
                picked = [keep[i] for i in evenly_spaced(len(keep), max_points)]
                out.append(
                    MetricSeries.model_construct(
                        run_name=row.name,
                        key=key,
                        steps=[steps[i] for i in picked],
                        timestamps=[stamps[i] for i in picked],
                        values=[values[i] for i in picked],
                        downsampled=len(picked) < len(keep),
                        total_points=len(steps),
                    )
                )
        return out

    def latest_metric_points(
        self, workspace: str, names: Sequence[str]
    ) -> dict[str, list[MetricPoint]]:
        """The latest point (value, step and time) of every metric of each named run.

        Runs that do not exist are left out; a run with no metric maps to an empty list.

        Raises:
            NotFoundError: No such workspace.
        """
        out: dict[str, list[MetricPoint]] = {}
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            repo = RunRepo(session)
            ids = repo.ids_by_name(ws_id, names)
            latest = repo.latest_metric_points(list(ids.values()))
        for run_name, run_id in ids.items():
            out[run_name] = [
                MetricPoint.model_construct(key=k, value=v, step=s, timestamp=t)
                for k, v, s, t in latest[run_id]
            ]
        return out


def evenly_spaced(total: int, count: int) -> list[int]:
    """At most ``count`` evenly spaced positions in ``range(total)``, first and last included.

    With ``count`` 1 only the last position is kept (MLflow's ``_evenly_spaced_indices``).
    """
    if total <= 0:
        return []
    if total <= count:
        return list(range(total))
    if count == 1:
        return [total - 1]
    gap = (total - 1) / (count - 1)
    return sorted({round(i * gap) for i in range(count)})


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
