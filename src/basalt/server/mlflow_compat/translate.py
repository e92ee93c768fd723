"""Pure translation between MLflow's wire shapes and Basalt's records.

* Experiment ids: a Basalt experiment's numeric id as a string, except ``Default`` which is
  ``"0"``. ``lifecycle_stage`` ``deleted`` is an archived experiment or run.
* Runs: MLflow's ``run_id`` is the Basalt run name, ``run_name`` its display name (the run name
  when it has none), ``user_id`` its ``created_by``; statuses map RUNNING↔Running,
  SCHEDULED↔Queued, FINISHED↔Completed, FAILED↔Failed, KILLED↔Canceled (Basalt's other
  statuses read as the nearest: NotStarted/Preparing as SCHEDULED, Finalizing as RUNNING).
* Times are epoch milliseconds on the wire, aware UTC datetimes in Basalt.
* Artifact URIs: ``mlflow-artifacts:/runs/<run>`` for runs and
  ``mlflow-artifacts:/experiments/<id>`` for experiments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Literal

from basalt.errors import invalid
from basalt.spec import mlflow as wire
from basalt.spec.experiments import DEFAULT_EXPERIMENT, Experiment
from basalt.spec.filters import (
    And,
    Compare,
    Expr,
    FieldRef,
    InList,
    Not,
    Or,
    Value,
    parse_filter,
    parse_order_by,
)
from basalt.spec.runs import (
    RUN_NAME_TAG,
    DatasetInput,
    LogBatch,
    MetricPoint,
    Run,
    RunCreate,
    RunStatus,
    run_datasets,
)

DEFAULT_EXPERIMENT_ID = "0"
PARENT_RUN_TAG = "mlflow.parentRunId"
RUNS_ARTIFACT_ROOT = "runs"

_TO_MLFLOW: dict[RunStatus, wire.RunStatusName] = {
    RunStatus.NOT_STARTED: "SCHEDULED",
    RunStatus.QUEUED: "SCHEDULED",
    RunStatus.PREPARING: "SCHEDULED",
    RunStatus.RUNNING: "RUNNING",
    RunStatus.FINALIZING: "RUNNING",
    RunStatus.COMPLETED: "FINISHED",
    RunStatus.FAILED: "FAILED",
    RunStatus.CANCELED: "KILLED",
}
_FROM_MLFLOW: dict[str, RunStatus] = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.QUEUED,
    "FINISHED": RunStatus.COMPLETED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.CANCELED,
}
_STATUS_ATTRIBUTE = FieldRef("attributes", "status")
_ARCHIVED = FieldRef("attributes", "archived")
_START_TIME = FieldRef("attributes", "start_time")


# --- times and statuses ------------------------------------------------------------------------


def to_ms(value: datetime | None) -> int | None:
    """Epoch milliseconds of an aware datetime (None stays None)."""
    return None if value is None else int(value.timestamp() * 1000)


def from_ms(value: int | None) -> datetime | None:
    """An aware UTC datetime from epoch milliseconds.

    Raises:
        InvalidArgumentError: The number is not a time a datetime can hold.
    """
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise invalid("time", f"Invalid value {value} for a time in epoch milliseconds") from None


def to_mlflow_status(status: RunStatus) -> wire.RunStatusName:
    """MLflow's name for a Basalt run status."""
    return _TO_MLFLOW[status]


def from_mlflow_status(status: str) -> RunStatus:
    """The Basalt status an MLflow status name sets."""
    return _FROM_MLFLOW[status.upper()]


# --- experiments -------------------------------------------------------------------------------


def experiment_id(experiment_name: str, basalt_id: str) -> str:
    """MLflow's id of an experiment: ``"0"`` for ``Default``, else Basalt's numeric id."""
    return DEFAULT_EXPERIMENT_ID if experiment_name == DEFAULT_EXPERIMENT else basalt_id


def experiment_artifact_location(mlflow_id: str) -> str:
    """Where MLflow clients are told an experiment's artifacts live."""
    return f"mlflow-artifacts:/experiments/{mlflow_id}"


def to_mlflow_experiment(experiment: Experiment) -> wire.Experiment:
    """An experiment in MLflow's shape."""
    mlflow_id = experiment_id(experiment.name, experiment.id)
    return wire.Experiment(
        experiment_id=mlflow_id,
        name=experiment.name,
        artifact_location=experiment_artifact_location(mlflow_id),
        lifecycle_stage="deleted" if experiment.archived else "active",
        last_update_time=to_ms(experiment.updated_at) or 0,
        creation_time=to_ms(experiment.created_at) or 0,
        tags=_pairs(experiment.tags),
    )


def experiment_view(view_type: wire.ViewType) -> Literal["active", "archived", "all"]:
    """Basalt's experiment view for an MLflow view type."""
    if view_type == "DELETED_ONLY":
        return "archived"
    return "all" if view_type == "ALL" else "active"


def experiment_order(order_by: list[str]) -> list[str]:
    """MLflow's default experiment order (last update first) when none is given."""
    return order_by or ["last_update_time DESC"]


# --- runs --------------------------------------------------------------------------------------


def run_artifact_uri(run_name: str) -> str:
    """The artifact URI MLflow clients get for a run (the proxied artifact API serves it)."""
    return f"mlflow-artifacts:/{RUNS_ARTIFACT_ROOT}/{run_name}"


def run_name(run: Run) -> str:
    """MLflow's run name: the display name, or the run's own name when it has none."""
    return run.display_name or run.name


def to_mlflow_run_info(run: Run) -> wire.RunInfo:
    """The ``info`` part of a run in MLflow's shape."""
    return wire.RunInfo(
        run_id=run.name,
        run_uuid=run.name,
        run_name=run_name(run),
        experiment_id=experiment_id(run.experiment_name, run.experiment_id),
        user_id=run.created_by or "",
        status=to_mlflow_status(run.status),
        start_time=to_ms(run.start_time),
        end_time=to_ms(run.end_time),
        artifact_uri=run_artifact_uri(run.name),
        lifecycle_stage="deleted" if run.archived else "active",
    )


def to_mlflow_run(run: Run, latest: list[MetricPoint] | None = None) -> wire.Run:
    """A run in MLflow's shape; ``latest`` gives the step and time of each latest metric."""
    if latest is None:
        latest = [
            MetricPoint.model_construct(key=k, value=v, step=0, timestamp=0)
            for k, v in run.metrics.items()
        ]
    tags = dict(run.tags)
    tags.setdefault(RUN_NAME_TAG, run_name(run))
    return wire.Run(
        info=to_mlflow_run_info(run),
        data=wire.RunData(
            metrics=[
                wire.Metric(key=p.key, value=p.value, timestamp=p.timestamp, step=p.step)
                for p in sorted(latest, key=lambda p: p.key)
            ],
            params=_pairs(run.params),
            tags=_pairs(tags),
        ),
        inputs=wire.RunInputs(dataset_inputs=[to_mlflow_dataset(d) for d in run_datasets(run)]),
    )


def to_basalt_run_create(
    body: wire.CreateRun, experiment_name: str, new_name: Callable[[], str]
) -> RunCreate:
    """Basalt's creation of the run MLflow asks for.

    The run name is the display name and the ``mlflow.runName`` tag; MLflow's server names
    every run, so a run asked for without a name is named by its id (``new_name()``), as
    Azure ML does, and filters on ``run_name`` find every run. A ``mlflow.parentRunId`` tag
    makes it a child of that run.
    """
    tags = {t.key: t.value for t in body.tags}
    name = None
    display_name = body.run_name or tags.get(RUN_NAME_TAG) or None
    if display_name is None:
        name = display_name = new_name()
    if not tags.get(RUN_NAME_TAG):
        tags[RUN_NAME_TAG] = display_name
    return RunCreate(
        name=name,
        experiment_name=experiment_name,
        display_name=body.run_name or name,
        tags=tags,
        created_by=body.user_id or None,
        start_time=from_ms(body.start_time),
        parent_name=tags.get(PARENT_RUN_TAG) or None,
    )


def to_basalt_batch(
    metrics: Iterable[wire.Metric], params: Iterable[wire.KeyValue], tags: Iterable[wire.KeyValue]
) -> LogBatch:
    """A Basalt batch from MLflow's metrics, params and tags (a later tag of a key wins).

    Raises:
        InvalidArgumentError: A key or value Basalt refuses (empty, too long, control chars).
    """
    return LogBatch(
        metrics=[
            MetricPoint(key=m.key, value=m.value, step=m.step, timestamp=m.timestamp)
            for m in metrics
        ],
        params={p.key: p.value for p in params},
        tags={t.key: t.value for t in tags},
    )


def run_view_filter(view_type: wire.ViewType) -> tuple[bool, Expr | None]:
    """(include_archived, extra condition) for an MLflow run view type."""
    if view_type == "ACTIVE_ONLY":
        return False, None
    if view_type == "DELETED_ONLY":
        return True, Compare(_ARCHIVED, "=", True)
    return True, None


def run_filter(text: str | None) -> Expr | None:
    """Parse an MLflow run filter and read its status names as Basalt's.

    ``status = 'FINISHED'`` becomes ``status = 'Completed'``; ``SCHEDULED`` and ``RUNNING``
    cover every Basalt status they are shown for. Basalt's own status names pass unchanged.

    Raises:
        InvalidArgumentError: The filter is malformed.
    """
    expr = parse_filter(text)
    return None if expr is None else _rewrite_statuses(expr)


def run_order(order_by: list[str]) -> list[str]:
    """MLflow's run order: the given keys, then newest start first (MLflow's tie-breaker).

    Raises:
        InvalidArgumentError: A key is malformed.
    """
    parsed = parse_order_by(order_by)
    if any(item.field == _START_TIME for item in parsed):
        return order_by
    return [*order_by, "attributes.start_time DESC"]


def experiment_names_filter(names: list[str]) -> Expr:
    """The condition "the run is in one of these experiments"."""
    return InList(FieldRef("attributes", "experiment_name"), tuple(names))


def _rewrite_statuses(expr: Expr) -> Expr:
    if isinstance(expr, And):
        return And(tuple(_rewrite_statuses(e) for e in expr.items))
    if isinstance(expr, Or):
        return Or(tuple(_rewrite_statuses(e) for e in expr.items))
    if isinstance(expr, Not):
        return Not(_rewrite_statuses(expr.item))
    if expr.field != _STATUS_ATTRIBUTE:
        return expr
    if isinstance(expr, InList):
        values = tuple(v for value in expr.values for v in _statuses(value))
        return InList(expr.field, values, expr.negated)
    if expr.op in ("=", "!=") and expr.value is not None:
        return InList(expr.field, _statuses(expr.value), expr.op == "!=")
    return expr


def _statuses(value: Value) -> tuple[Value, ...]:
    name = str(value).upper()
    if name not in _FROM_MLFLOW:
        return (value,)
    return tuple(s.value for s, shown in _TO_MLFLOW.items() if shown == name)


# --- datasets ----------------------------------------------------------------------------------


def to_basalt_dataset(item: wire.DatasetInput) -> DatasetInput:
    """A Basalt dataset input from MLflow's."""
    d = item.dataset
    return DatasetInput(
        name=d.name,
        digest=d.digest,
        source_type=d.source_type,
        source=d.source,
        data_schema=d.schema_,
        profile=d.profile,
        tags={t.key: t.value for t in item.tags},
    )


def to_mlflow_dataset(item: DatasetInput) -> wire.DatasetInput:
    """MLflow's shape of a Basalt dataset input."""
    return wire.DatasetInput(
        tags=_pairs(item.tags),
        dataset=wire.Dataset(
            name=item.name,
            digest=item.digest,
            source_type=item.source_type,
            source=item.source,
            schema=item.data_schema,
            profile=item.profile,
        ),
    )


# --- artifacts ---------------------------------------------------------------------------------


def split_artifact_path(path: str) -> tuple[str, str] | None:
    """``runs/<run>/<rest>`` as ``(run, rest)``; None for a path outside a run.

    Raises:
        InvalidArgumentError: ``Invalid path``: absolute, ``..``, ``//``, a NUL or a backslash.
    """
    clean = safe_path(path)
    parts = clean.split("/", 2)
    if len(parts) < 2 or parts[0] != RUNS_ARTIFACT_ROOT or not parts[1]:
        return None
    return parts[1], parts[2] if len(parts) == 3 else ""


def safe_path(path: str) -> str:
    """A relative artifact path with no ``..`` segment, as MLflow's server requires.

    Raises:
        InvalidArgumentError: ``Invalid path`` (MLflow's message) for anything that could leave
            the artifact root.
    """
    bad = (
        "\x00" in path
        or "%00" in path
        or "\\" in path
        or path.startswith("/")
        or "//" in path
        or (len(path) > 1 and path[1] == ":")
        or any(part == ".." for part in path.split("/"))
    )
    if bad:
        raise invalid("path", f"Invalid path: {path!r}")
    return path.strip("/")


def _pairs(values: dict[str, str]) -> list[wire.KeyValue]:
    return [wire.KeyValue(key=k, value=v) for k, v in sorted(values.items())]
