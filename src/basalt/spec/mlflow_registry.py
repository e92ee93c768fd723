"""The MLflow model-registry REST wire shapes (requests) as the 3.x client sends them.

Same leniency as ``basalt.spec.mlflow``: unknown fields are ignored, int64 fields take numbers
or numeric strings. Answers are built as plain JSON objects by
``basalt.server.mlflow_compat.registry_translate``.
"""

from __future__ import annotations

from pydantic import Field

from basalt.spec.mlflow import KeyValue, MlflowModel

MAX_REGISTERED_MODELS = 1000
DEFAULT_REGISTERED_MODELS = 100
MAX_MODEL_VERSIONS = 200_000
DEFAULT_MODEL_VERSIONS = 10_000


class RegisteredModelName(MlflowModel):
    """A request naming a registered model."""

    name: str


class CreateRegisteredModel(RegisteredModelName):
    """``registered-models/create``."""

    tags: list[KeyValue] = Field(default_factory=list)
    description: str | None = None


class RenameRegisteredModel(RegisteredModelName):
    """``registered-models/rename``."""

    new_name: str | None = None


class UpdateRegisteredModel(RegisteredModelName):
    """``registered-models/update``."""

    description: str | None = None


class RegisteredModelTag(RegisteredModelName):
    """``registered-models/set-tag`` (and, without a value, ``delete-tag``)."""

    key: str
    value: str = ""


class Alias(RegisteredModelName):
    """``registered-models/alias`` (set with a version; get and delete without)."""

    alias: str
    version: str | None = None


class GetLatestVersions(RegisteredModelName):
    """``registered-models/get-latest-versions``."""

    stages: list[str] = Field(default_factory=list)


class SearchRegistry(MlflowModel):
    """``registered-models/search`` and ``model-versions/search``."""

    filter: str | None = None
    max_results: int | None = Field(default=None, ge=1, le=MAX_MODEL_VERSIONS)
    order_by: list[str] = Field(default_factory=list)
    page_token: str | None = None


class CreateModelVersion(RegisteredModelName):
    """``model-versions/create``."""

    source: str
    run_id: str | None = None
    tags: list[KeyValue] = Field(default_factory=list)
    run_link: str | None = None
    description: str | None = None
    model_id: str | None = None


class ModelVersionRef(RegisteredModelName):
    """A request naming one model version."""

    version: str


class UpdateModelVersion(ModelVersionRef):
    """``model-versions/update``."""

    description: str | None = None


class ModelVersionTag(ModelVersionRef):
    """``model-versions/set-tag`` (and, without a value, ``delete-tag``)."""

    key: str
    value: str = ""


class TransitionStage(ModelVersionRef):
    """``model-versions/transition-stage``."""

    stage: str
    archive_existing_versions: bool = False
