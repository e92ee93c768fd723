"""The MLflow REST wire shapes (tracking and proxied artifacts) as the 3.x client sends them.

Lenient where MLflow's server is: unknown fields are ignored, ``run_uuid`` stands for
``run_id``, int64 fields take numbers or numeric strings, doubles take ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``, enums take names or numbers. Responses serialize
non-finite doubles as those strings. The translation to Basalt's own models lives in
``basalt.server.mlflow_compat``; nothing here knows about Basalt's records.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_SEARCH_RESULTS = 50_000
DEFAULT_SEARCH_RESULTS = 1000

Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""An int64 field: a JSON number or a numeric string."""

ViewType = Literal["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]
RunStatusName = Literal["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]

_VIEW_TYPES = {1: "ACTIVE_ONLY", 2: "DELETED_ONLY", 3: "ALL"}
_RUN_STATUSES = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}


def _enum(names: dict[int, str]) -> BeforeValidator:
    def convert(value: Any) -> Any:
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return names.get(value, value)
        return value.upper() if isinstance(value, str) else value

    return BeforeValidator(convert)


class MlflowModel(BaseModel):
    """Base of the MLflow wire models: unknown fields ignored, NaN/inf as strings on output."""

    model_config = ConfigDict(extra="ignore", ser_json_inf_nan="strings", populate_by_name=True)


class KeyValue(MlflowModel):
    """A param or tag: ``{"key": ..., "value": ...}``."""

    key: str
    value: str = ""


class RunIdModel(MlflowModel):
    """A request naming a run by ``run_id`` or its deprecated twin ``run_uuid``."""

    run_id: str

    @model_validator(mode="before")
    @classmethod
    def _run_uuid(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("run_id") and data.get("run_uuid"):
            return {**data, "run_id": data["run_uuid"]}
        return data


# --- experiments -------------------------------------------------------------------------------


class CreateExperiment(MlflowModel):
    """POST experiments/create."""

    name: str
    artifact_location: str | None = None
    tags: list[KeyValue] = []


class ExperimentIdRequest(MlflowModel):
    """GET experiments/get; POST experiments/delete and experiments/restore."""

    experiment_id: str


class GetExperimentByName(MlflowModel):
    """GET experiments/get-by-name."""

    experiment_name: str


class SearchExperiments(MlflowModel):
    """POST (or GET) experiments/search."""

    max_results: int = Field(default=DEFAULT_SEARCH_RESULTS, ge=1, le=MAX_SEARCH_RESULTS)
    page_token: str | None = None
    filter: str | None = None
    order_by: list[str] = []
    view_type: Annotated[ViewType, _enum(_VIEW_TYPES)] = "ACTIVE_ONLY"


class UpdateExperiment(MlflowModel):
    """POST experiments/update (rename)."""

    experiment_id: str
    new_name: str | None = None


class SetExperimentTag(MlflowModel):
    """POST experiments/set-experiment-tag."""

    experiment_id: str
    key: str
    value: str


class DeleteExperimentTag(MlflowModel):
    """POST experiments/delete-experiment-tag."""

    experiment_id: str
    key: str


class Experiment(MlflowModel):
    """An experiment as MLflow returns it; times in epoch milliseconds."""

    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: Literal["active", "deleted"]
    last_update_time: int
    creation_time: int
    tags: list[KeyValue] = []


# --- runs --------------------------------------------------------------------------------------


class CreateRun(MlflowModel):
    """POST runs/create."""

    experiment_id: str | None = None
    user_id: str | None = None
    run_name: str | None = None
    start_time: Int64 | None = None
    tags: list[KeyValue] = []


class UpdateRun(RunIdModel):
    """POST runs/update."""

    status: Annotated[RunStatusName, _enum(_RUN_STATUSES)] | None = None
    end_time: Int64 | None = None
    run_name: str | None = None


class Metric(MlflowModel):
    """One metric point; ``timestamp`` in epoch milliseconds."""

    key: str
    value: float
    timestamp: Int64
    step: Int64 = 0


class LogMetric(RunIdModel):
    """POST runs/log-metric."""

    key: str
    value: float
    timestamp: Int64
    step: Int64 = 0


class LogParam(RunIdModel):
    """POST runs/log-parameter."""

    key: str
    value: str


class SetTag(RunIdModel):
    """POST runs/set-tag."""

    key: str
    value: str


class DeleteTag(RunIdModel):
    """POST runs/delete-tag."""

    key: str


class LogBatch(RunIdModel):
    """POST runs/log-batch, with MLflow's limits per request."""

    metrics: list[Metric] = []
    params: list[KeyValue] = []
    tags: list[KeyValue] = []

    @model_validator(mode="after")
    def _limits(self) -> LogBatch:
        for entity, limit, count in (
            ("metrics", MAX_METRICS_PER_BATCH, len(self.metrics)),
            ("params", MAX_PARAMS_TAGS_PER_BATCH, len(self.params)),
            ("tags", MAX_PARAMS_TAGS_PER_BATCH, len(self.tags)),
            (
                "metrics, params, and tags",
                MAX_ENTITIES_PER_BATCH,
                len(self.metrics) + len(self.params) + len(self.tags),
            ),
        ):
            if count > limit:
                raise ValueError(
                    f"A batch logging request can contain at most {limit} {entity}. Got "
                    f"{count} {entity}. Please split up {entity} across multiple requests and "
                    "try again."
                )
        seen: dict[str, str] = {}
        for param in self.params:
            if seen.setdefault(param.key, param.value) != param.value:
                raise ValueError(
                    f"Duplicate parameter key '{param.key}' with different values in one batch"
                )
        return self


class Dataset(MlflowModel):
    """A dataset reference of runs/log-inputs."""

    name: str = Field(min_length=1, max_length=500)
    digest: str = Field(min_length=1, max_length=36)
    source_type: str
    source: str
    schema_: str | None = Field(default=None, alias="schema")
    profile: str | None = None


class DatasetInput(MlflowModel):
    """One input of runs/log-inputs: a dataset and the tags of its use (its context)."""

    tags: list[KeyValue] = []
    dataset: Dataset


class LogInputs(RunIdModel):
    """POST runs/log-inputs (model inputs are not recorded yet)."""

    datasets: list[DatasetInput] = []


class SearchRuns(MlflowModel):
    """POST runs/search."""

    experiment_ids: list[str] = []
    filter: str | None = None
    run_view_type: Annotated[ViewType, _enum(_VIEW_TYPES)] = "ACTIVE_ONLY"
    max_results: int = Field(default=DEFAULT_SEARCH_RESULTS, ge=1, le=MAX_SEARCH_RESULTS)
    order_by: list[str] = []
    page_token: str | None = None


class GetMetricHistory(RunIdModel):
    """GET metrics/get-history."""

    metric_key: str
    page_token: str | None = None
    max_results: int | None = Field(default=None, ge=1, le=2**63 - 1)


MAX_BULK_RUN_IDS = 100
MAX_BULK_INTERVAL_RESULTS = 2500
MAX_BULK_HISTORY_RESULTS = 25_000


class GetMetricHistoryBulkInterval(MlflowModel):
    """GET metrics/get-history-bulk-interval (MLflow's UI charts).

    ``max_results`` defaults to 2,500 points a run, as MLflow's server does when it is left
    out (MLflow's UI sends 320).
    """

    run_ids: list[str]
    metric_key: str
    start_step: Int64 | None = None
    end_step: Int64 | None = None
    max_results: int = MAX_BULK_INTERVAL_RESULTS

    @model_validator(mode="after")
    def _limits(self) -> GetMetricHistoryBulkInterval:
        # NOTE: MLflow's own messages, checked in the order its server checks them.
        if not self.run_ids:
            raise ValueError("Missing value for required parameter 'run_ids'.")
        if len(self.run_ids) > MAX_BULK_RUN_IDS:
            raise ValueError(
                f"GetMetricHistoryBulkInterval request must specify at most {MAX_BULK_RUN_IDS} "
                f"run_ids. Received {len(self.run_ids)} run_ids."
            )
        if not 1 <= self.max_results <= MAX_BULK_INTERVAL_RESULTS:
            raise ValueError(f"max_results must be between 1 and {MAX_BULK_INTERVAL_RESULTS}.")
        if (self.start_step is None) != (self.end_step is None):
            raise ValueError(
                "If either start step or end step are specified, both must be specified."
            )
        if self.start_step is not None and self.end_step is not None:
            if self.start_step > self.end_step:
                raise ValueError(
                    "end_step must be greater than start_step. Found "
                    f"start_step={self.start_step} and end_step={self.end_step}."
                )
        return self


class GetMetricHistoryBulk(MlflowModel):
    """GET metrics/get-history-bulk (MLflow's older UI call; ``run_id`` repeated)."""

    run_id: list[str] = []
    metric_key: str | None = None
    max_results: int = MAX_BULK_HISTORY_RESULTS

    @model_validator(mode="after")
    def _limits(self) -> GetMetricHistoryBulk:
        if not self.run_id:
            raise ValueError("GetMetricHistoryBulk request must specify at least one run_id.")
        if len(self.run_id) > MAX_BULK_RUN_IDS:
            raise ValueError(
                f"GetMetricHistoryBulk request cannot specify more than {MAX_BULK_RUN_IDS} "
                f"run_ids. Received {len(self.run_id)} run_ids."
            )
        if self.metric_key is None:
            raise ValueError("GetMetricHistoryBulk request must specify a metric_key.")
        self.max_results = max(1, min(self.max_results, MAX_BULK_HISTORY_RESULTS))
        return self


class LogModel(RunIdModel):
    """POST runs/log-model (MLflow 2.x clients): an ``MLmodel`` as JSON text."""

    model_json: str


class ListArtifacts(RunIdModel):
    """GET artifacts/list."""

    path: str | None = None
    page_token: str | None = None


class ListProxiedArtifacts(MlflowModel):
    """GET mlflow-artifacts/artifacts (a listing)."""

    path: str | None = None


class RunInfo(MlflowModel):
    """The ``info`` of a run; times in epoch milliseconds."""

    run_id: str
    run_uuid: str
    run_name: str
    experiment_id: str
    user_id: str
    status: RunStatusName
    start_time: int | None = None
    end_time: int | None = None
    artifact_uri: str
    lifecycle_stage: Literal["active", "deleted"]


class RunData(MlflowModel):
    """The ``data`` of a run: latest metrics, params and tags."""

    metrics: list[Metric] = []
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class RunInputs(MlflowModel):
    """The ``inputs`` of a run."""

    dataset_inputs: list[DatasetInput] = []


class Run(MlflowModel):
    """A run as MLflow returns it."""

    info: RunInfo
    data: RunData
    inputs: RunInputs = RunInputs()


class FileInfo(MlflowModel):
    """One entry of an artifact listing; ``file_size`` only for files."""

    path: str
    is_dir: bool
    file_size: int | None = None


class ErrorBody(MlflowModel):
    """MLflow's error envelope."""

    error_code: str
    message: str


# --- logged models -----------------------------------------------------------------------------

_LOGGED_MODEL_STATUSES = {
    0: "LOGGED_MODEL_STATUS_UNSPECIFIED",
    1: "LOGGED_MODEL_PENDING",
    2: "LOGGED_MODEL_READY",
    3: "LOGGED_MODEL_UPLOAD_FAILED",
}
LoggedModelStatusName = Annotated[
    Literal["LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"],
    _enum(_LOGGED_MODEL_STATUSES),
]


class CreateLoggedModel(MlflowModel):
    """``POST logged-models``."""

    experiment_id: str | None = None
    name: str | None = None
    model_type: str | None = None
    source_run_id: str | None = None
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class FinalizeLoggedModel(MlflowModel):
    """``PATCH logged-models/{id}``: the upload finished (or failed)."""

    status: LoggedModelStatusName
    status_message: str | None = None


class LoggedModelTags(MlflowModel):
    """``PATCH logged-models/{id}/tags``."""

    tags: list[KeyValue] = []


class LoggedModelParams(MlflowModel):
    """``POST logged-models/{id}/params``."""

    params: list[KeyValue] = []


class SearchLoggedModels(MlflowModel):
    """``POST logged-models/search`` (``datasets`` and ``order_by`` are accepted, not used)."""

    experiment_ids: list[str] = []
    filter: str | None = None
    max_results: int = Field(default=50, ge=1, le=MAX_SEARCH_RESULTS)
    page_token: str | None = None


class ModelOutput(MlflowModel):
    """One model a run produced."""

    model_id: str
    step: Int64 = 0


class LogOutputs(RunIdModel):
    """``POST runs/outputs``."""

    models: list[ModelOutput] = []


class ListLoggedModelArtifacts(MlflowModel):
    """``GET logged-models/{id}/artifacts/directories``."""

    artifact_directory_path: str | None = None
    page_token: str | None = None
