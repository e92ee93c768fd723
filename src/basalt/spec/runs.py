"""Runs: one record for jobs and interactive runs, with status, params, tags and metrics."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from basalt.errors import invalid
from basalt.spec.common import JSON, Entity, KeyValues, Name, SpecModel
from basalt.spec.experiments import DEFAULT_EXPERIMENT


class RunStatus(StrEnum):
    """Lifecycle of a run, named as Azure ML names job statuses."""

    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    PREPARING = "Preparing"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    def is_terminal(self) -> bool:
        """True once the run can change no more."""
        return self in _TERMINAL


_TERMINAL = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED}

# NOTE: the one allowed-transitions table. Services consult it; nothing else decides.
ALLOWED_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.NOT_STARTED: frozenset(
        {
            RunStatus.QUEUED,
            RunStatus.PREPARING,
            RunStatus.RUNNING,
            RunStatus.CANCELED,
            RunStatus.FAILED,
        }
    ),
    RunStatus.QUEUED: frozenset(
        {RunStatus.PREPARING, RunStatus.RUNNING, RunStatus.CANCELED, RunStatus.FAILED}
    ),
    RunStatus.PREPARING: frozenset({RunStatus.RUNNING, RunStatus.CANCELED, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset(
        {RunStatus.FINALIZING, RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED}
    ),
    RunStatus.FINALIZING: frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED}),
    RunStatus.COMPLETED: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.CANCELED: frozenset(),
}


RESUMABLE_KINDS = frozenset({"interactive"})
"""Run kinds that may go from a terminal status back to ``Running`` (MLflow's resumed runs)."""


def is_allowed_transition(current: RunStatus, target: RunStatus, kind: str) -> bool:
    """Whether a run of ``kind`` may go from ``current`` to ``target``.

    The transitions table decides, with one addition: an interactive run that has ended may be
    resumed (``Running`` again), as ``mlflow.start_run(run_id=...)`` does. A job never is.
    """
    if target in ALLOWED_TRANSITIONS[current]:
        return True
    return current.is_terminal() and target == RunStatus.RUNNING and kind in RESUMABLE_KINDS


RUN_NAME_TAG = "mlflow.runName"
"""The tag that mirrors a run's display name (MLflow's run name); services keep the two equal."""

SYSTEM_METRIC_PREFIX = "system/"
"""Metrics the job runner samples (CPU, memory of the job's processes), not the user's own."""

DATASETS_PROPERTY = "basalt.datasets"
"""The run property that holds the run's dataset inputs, as a JSON list of ``DatasetInput``."""


class RunErrorType(StrEnum):
    """Why a run failed."""

    USER_CODE = "UserCode"
    SYSTEM = "System"
    CANCELED = "Canceled"


class RunError(SpecModel):
    """The failure recorded on a run."""

    type: RunErrorType = RunErrorType.USER_CODE
    message: str
    traceback: str | None = None


class StatusChange(SpecModel):
    """One entry of a run's status history."""

    status: RunStatus
    at: datetime


class MetricPoint(SpecModel):
    """One logged value. ``timestamp`` is epoch milliseconds; NaN and infinities are kept."""

    key: Name
    value: float
    step: int = 0
    timestamp: int = Field(description="Epoch milliseconds when the value was logged.")


class RunCreate(SpecModel):
    """Body of a run creation (an interactive run, or the record of a job)."""

    name: str | None = Field(default=None, description="Run name (id); generated if omitted.")
    experiment_name: Name = DEFAULT_EXPERIMENT
    display_name: str | None = None
    description: str = ""
    status: Literal[RunStatus.NOT_STARTED, RunStatus.QUEUED, RunStatus.RUNNING] = RunStatus.RUNNING
    tags: KeyValues = {}
    params: KeyValues = {}
    properties: dict[str, str] = {}
    parent_name: str | None = None
    spec: JSON | None = Field(
        default=None, description="The job spec as submitted; None if interactive."
    )
    created_by: str | None = None
    snapshot_id: str | None = Field(default=None, description="The job's code snapshot.")
    start_time: datetime | None = Field(
        default=None,
        description="When the run started, if not now (a client that logs afterwards); only "
        "for a run created Running.",
    )


class RunUpdate(SpecModel):
    """Partial update of a run: only the fields sent are applied."""

    status: RunStatus | None = None
    display_name: str | None = None
    description: str | None = None
    error: RunError | None = None
    end_time: datetime | None = Field(
        default=None, description="When the run ended, if not now (set with a final status)."
    )


class Run(Entity):
    """A run (or job) as returned by the API."""

    name: str
    display_name: str | None = None
    experiment_name: str
    experiment_id: str
    kind: Literal["job", "interactive"] = "interactive"
    status: RunStatus
    description: str = ""
    created_at: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration_s: float | None = Field(default=None, description="end (or now) minus start.")
    created_by: str | None = None
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    properties: dict[str, str] = {}
    metrics: dict[str, float] = Field(default={}, description="Latest value of every metric.")
    status_history: list[StatusChange] = []
    parent_name: str | None = None
    children: list[str] = []
    spec: JSON | None = None
    snapshot_id: str | None = None
    error: RunError | None = None
    archived: bool = False


class MetricColumns(SpecModel):
    """Metric points as four equal-length columns: the compact form the tracking client sends.

    The same points as a list of ``MetricPoint``, without a key and an object per point on the
    wire or in memory.
    """

    keys: list[Name]
    values: list[float]
    steps: list[int]
    timestamps: list[int]

    @model_validator(mode="after")
    def _same_length(self) -> MetricColumns:
        n = len(self.keys)
        if not (len(self.values) == len(self.steps) == len(self.timestamps) == n):
            raise invalid(
                "metric_columns",
                "metric_columns needs keys, values, steps and timestamps of the same length",
            )
        return self


class LogBatch(SpecModel):
    """Metrics, params and tags sent together (the tracking client's unit of work)."""

    metrics: list[MetricPoint] = []
    metric_columns: MetricColumns | None = Field(
        default=None, description="More points in columnar form, stored after ``metrics``."
    )
    params: KeyValues = {}
    tags: KeyValues = {}

    def points(self) -> list[tuple[str, float, int, int]]:
        """Every point of the batch as (key, value, step, timestamp), in the order sent."""
        out = [(m.key, m.value, m.step, m.timestamp) for m in self.metrics]
        cols = self.metric_columns
        if cols is not None:
            out.extend(zip(cols.keys, cols.values, cols.steps, cols.timestamps, strict=True))
        return out


class LogBatchResult(SpecModel):
    """What a batch stored."""

    metrics: int
    params: int
    tags: int


class MetricSeries(SpecModel):
    """The history of one metric, columnar so a million points stay compact.

    When ``downsampled`` is true each bucket of steps is represented by its minimum and its
    maximum value (two points), so spikes survive downsampling.
    """

    run_name: str
    key: str
    steps: list[int]
    timestamps: list[int]
    values: list[float]
    downsampled: bool = False
    total_points: int
    next_page_token: str | None = Field(
        default=None, description="Set on a page of a paged history while points remain."
    )


class RunListQuery(SpecModel):
    """Query of ``jobs.list``."""

    experiment_name: str | None = None
    filter: str | None = None
    order_by: list[str] = []
    max_results: int | None = Field(default=None, ge=1, le=10_000)
    page_token: str | None = None
    include_archived: bool = False


class DatasetInput(SpecModel):
    """A dataset a run read (MLflow's ``log_input``): a reference and its metadata, not the data.

    Stored in the run's ``basalt.datasets`` property; ``(name, digest)`` identifies it.
    """

    name: str = Field(min_length=1, max_length=500)
    digest: str = Field(min_length=1, max_length=36)
    source_type: str
    source: str
    data_schema: str | None = Field(default=None, description="The dataset's schema (JSON).")
    profile: str | None = Field(default=None, description="Summary statistics (JSON).")
    tags: dict[str, str] = Field(
        default={}, description="Tags of the input, e.g. ``mlflow.data.context: training``."
    )


def run_datasets(run: Run) -> list[DatasetInput]:
    """The dataset inputs recorded on ``run``, in the order they were first logged."""
    import json

    raw = run.properties.get(DATASETS_PROPERTY)
    if not raw:
        return []
    return [DatasetInput.model_validate(item) for item in json.loads(raw)]


class ArtifactFile(Entity):
    """A file or folder among a run's output files."""

    path: str
    size: int | None = None
    is_dir: bool = False
