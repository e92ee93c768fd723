"""Registered ML models: versioned, immutable content, labels, lineage to the run that made them.

"Models" always means ML models in Basalt. A model version is one versioned asset (see
``services/assets.py``): its files never change once registered; only its description, tags,
properties, labels and archived flag do.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from basalt.spec.assets import AssetLabelSet, AssetListQuery, AssetUpdate
from basalt.spec.common import Entity, KeyValues, Name, SpecModel

LATEST = "latest"
"""The reserved label: the highest non-archived version, by creation."""


class ModelType(StrEnum):
    """How a model is packaged, named as Azure ML names model types."""

    CUSTOM = "custom_model"
    MLFLOW = "mlflow_model"
    TRITON = "triton_model"


class ModelFile(SpecModel):
    """One file of a model version, stored once by its content hash."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class ModelCreate(SpecModel):
    """Body of a model registration.

    ``path`` is a local file or folder (the SDK uploads its files first and sends their list in
    ``files``), ``runs:/<run>/<path>`` or ``azureml://jobs/<run>/outputs/<path>`` (copied from
    the run's files on the server, recording lineage to the run).
    """

    name: Name
    version: str | None = Field(default=None, description="Version; the next integer if omitted.")
    path: str
    type: ModelType = ModelType.CUSTOM
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    properties: KeyValues = Field(default_factory=dict)
    job_name: str | None = None
    created_by: str | None = None
    files: list[ModelFile] | None = Field(
        default=None, description="The uploaded files of a local path (set by the SDK)."
    )


class ModelYaml(SpecModel):
    """A model YAML file in Azure ML's shape (``az ml model create -f model.yml``)."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: Name
    version: str | int | None = None
    path: str
    type: ModelType = ModelType.CUSTOM
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)


class ModelUpdate(AssetUpdate):
    """The mutable parts of a model version; fields left out stay as they are."""


class ModelLabelSet(AssetLabelSet):
    """Point a label at one version of a model."""


class ModelListQuery(AssetListQuery):
    """Which model versions to list."""


class BlobQuery(SpecModel):
    """Content hashes the client is about to upload."""

    sha256: list[str]


class BlobStored(SpecModel):
    """The answer to one content upload."""

    sha256: str
    stored: bool = Field(description="False when the store already held this content.")


class Model(Entity):
    """One registered model version."""

    name: str
    version: str
    type: ModelType
    path: str = Field(description="Where the content came from (local path or run URI).")
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    job_name: str | None = None
    flavor: str = "custom"
    flavors: list[str] = Field(default_factory=list)
    size: int = 0
    content_hash: str
    files: list[str] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)
    signature: dict[str, Any] | None = Field(
        default=None, description="An MLflow model's signature (inputs, outputs, params)."
    )
    input_example: Any = Field(
        default=None, description="An MLflow model's saved input example (up to 64 KiB)."
    )


class ModelVersionSummary(Entity):
    """One version's column of ``basalt model compare``."""

    version: str
    created_at: datetime
    created_by: str | None = None
    size: int = 0
    flavor: str = "custom"
    job_name: str | None = None
    labels: list[str] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(
        default_factory=dict, description="The producing job's inputs: name → data/model/job."
    )


class ModelComparison(Entity):
    """Versions of one model side by side, and which fields differ between them."""

    name: str
    versions: list[ModelVersionSummary]
    differing: list[str] = Field(
        default_factory=list,
        description="Rows that differ: 'size', 'flavor', 'metrics.<k>', 'params.<k>', ...",
    )
