"""Batch endpoints and their ``type: model`` deployments: wire models in Azure ML's shapes.

A *batch endpoint* is a stable name whose ``invoke`` starts a scoring job; a *batch deployment*
is the model + scoring code + environment + compute + mini-batch settings that job runs. The
job is an ordinary job (``basalt job list/show/logs``) whose command runs Basalt's batch driver
(``serving/batch_driver.py``). See docs/batch-endpoints.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from basalt.spec.common import Entity, KeyValues, SpecModel
from basalt.spec.endpoints import AuthMode, CodeConfiguration, InlineModel, check_resource_name
from basalt.spec.models import ModelFile

BATCH_ENDPOINT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json"
BATCH_DEPLOYMENT_SCHEMA = (
    "https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json"
)
BATCH_ENDPOINT_TAG = "basalt.batch_endpoint"
"""The tag naming the endpoint on every job an invocation starts."""
BATCH_DEPLOYMENT_TAG = "basalt.batch_deployment"
"""The tag naming the deployment on every job an invocation starts."""
SCORE_OUTPUT = "score"
"""The job output the results are written to (Azure names it ``score`` too)."""


class OutputAction(StrEnum):
    """What the driver does with ``run``'s results."""

    APPEND_ROW = "append_row"
    SUMMARY_ONLY = "summary_only"


def _auth_mode(value: Any) -> Any:
    # NOTE: Azure's batch endpoints take aad_token (Entra ID); a workspace token is the nearest.
    return AuthMode.AML_TOKEN.value if value in (None, "aad_token") else value


# --- endpoints ----------------------------------------------------------------------------------


class BatchEndpointCreate(SpecModel):
    """Body of a batch endpoint's creation (what ``endpoint.yml`` becomes)."""

    name: str
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    auth_mode: AuthMode = AuthMode.AML_TOKEN
    default_deployment: str | None = Field(
        default=None, description="The deployment invoke uses when none is named."
    )
    created_by: str | None = None

    _mode = field_validator("auth_mode", mode="before")(_auth_mode)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_resource_name(value, "Batch endpoint")


class BatchEndpointUpdate(SpecModel):
    """A partial update of a batch endpoint: only the fields sent change."""

    description: str | None = None
    tags: KeyValues | None = None
    default_deployment: str | None = None


class BatchEndpoint(Entity):
    """One batch endpoint."""

    name: str
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    auth_mode: AuthMode = AuthMode.AML_TOKEN
    default_deployment: str | None = None
    deployments: list[str] = Field(default_factory=list)
    invocation_uri: str = Field(description="Where the REST API takes invocations.")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None


# --- deployments --------------------------------------------------------------------------------


class RetrySettings(SpecModel):
    """How often a failed mini-batch is tried again, and how long one try may take (seconds)."""

    max_retries: int = Field(default=3, ge=0, le=100)
    timeout: int = Field(default=30, ge=1, le=86_400)


class BatchResources(SpecModel):
    """``resources:``: how many instances (parallel groups of workers) the job uses."""

    instance_count: int = Field(default=1, ge=1, le=64)


class BatchSettings(SpecModel):
    """The mini-batch settings of a deployment.

    ``modelBatchDeployment`` files hold them under ``settings:``, the older ``batchDeployment``
    ones at the top level.
    """

    max_concurrency_per_instance: int = Field(default=1, ge=1, le=64)
    mini_batch_size: int = Field(default=10, ge=1, le=1_000_000)
    output_action: OutputAction = OutputAction.APPEND_ROW
    output_file_name: str = "predictions.csv"
    retry_settings: RetrySettings = Field(default_factory=RetrySettings)
    error_threshold: int = Field(default=-1, ge=-1, description="-1: never fail the job.")
    logging_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    environment_variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("output_file_name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        if not value or "/" in value or "\\" in value or value in (".", ".."):
            raise ValueError(f"output_file_name {value!r} must be a plain file name")
        return value

    @field_validator("logging_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class BatchDeploymentCreate(SpecModel):
    """Body of a batch deployment's creation or replacement.

    ``model`` is a reference (``azureml:name:version``, ``name@latest``) or an
    ``InlineModel``; ``code_configuration.code`` is a local folder whose files the SDK uploads
    first and lists in ``code_files``; ``environment`` is a reference or an inline spec.
    """

    name: str
    endpoint_name: str
    type: Literal["model"] = "model"
    model: str | InlineModel | None = None
    code_configuration: CodeConfiguration | None = None
    code_files: list[ModelFile] | None = Field(
        default=None, description="The uploaded files of the code folder (set by the SDK)."
    )
    environment: str | dict[str, Any] | None = None
    compute: str | None = Field(default=None, description="Compute target; default local.")
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    resources: BatchResources = Field(default_factory=BatchResources)
    settings: BatchSettings = Field(default_factory=BatchSettings)
    created_by: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_resource_name(value, "Batch deployment")

    @model_validator(mode="after")
    def _code(self) -> BatchDeploymentCreate:
        if self.code_configuration is None and self.code_files:
            raise ValueError("code_files were sent without a code_configuration")
        return self


class BatchDeploymentUpdate(SpecModel):
    """A partial update: description, tags, compute, resources, settings (model and code stay)."""

    description: str | None = None
    tags: KeyValues | None = None
    compute: str | None = None
    resources: BatchResources | None = None
    settings: BatchSettings | None = None


class BatchDeployment(Entity):
    """One batch deployment as recorded, with what its model and environment resolved to."""

    name: str
    endpoint_name: str
    type: Literal["model"] = "model"
    model: str | None = Field(default=None, description="The registered model: name:version.")
    code_configuration: CodeConfiguration | None = None
    code_files: int = Field(default=0, description="How many code files were stored.")
    environment: str = Field(default="none", description="What the environment resolved to.")
    compute: str = "local"
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    resources: BatchResources = Field(default_factory=BatchResources)
    settings: BatchSettings = Field(default_factory=BatchSettings)
    is_default: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None


# --- invocations --------------------------------------------------------------------------------


class BatchInvokeRequest(SpecModel):
    """Body of ``invoke``: the input to score and optionally one deployment.

    ``input`` is a data reference (``azureml:name:version``, ``azureml:name@latest``, a
    datastore URI) or a local file or folder; a local one travels as ``input_files`` (uploaded
    by the SDK) unless ``local_input`` says it is on the machine that runs the job.
    """

    input: str
    input_type: Literal["uri_folder", "uri_file"] | None = Field(
        default=None, description="Default: uri_file for a local file, else uri_folder."
    )
    deployment_name: str | None = None
    input_files: list[ModelFile] | None = None
    local_input: bool = False
    experiment_name: str | None = None
    created_by: str | None = None


class BatchJobProgress(Entity):
    """A batch scoring job as ``list-jobs`` shows it."""

    name: str
    status: str
    deployment: str | None = None
    mini_batches_done: int | None = None
    mini_batches_failed: int | None = None
    mini_batches_total: int | None = None
    created_at: datetime | None = None
    error: str | None = None
