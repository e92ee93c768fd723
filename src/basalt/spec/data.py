"""Data assets (Azure ML's ``data`` kind): versioned, immutable files with a type.

A data version is one versioned asset (see ``services/assets.py``), like a model version: its
files are stored content-addressed and never change; only description, tags, properties, labels
and the archived flag do. ``type`` says how a job sees it: ``uri_file`` (one file),
``uri_folder`` (a folder) or ``mltable`` (a folder with an ``MLTable`` file at its root).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from basalt.errors import InvalidArgumentError, invalid
from basalt.spec.assets import AssetLabelSet, AssetListQuery, AssetUpdate
from basalt.spec.common import Entity, KeyValues, Name, SpecModel
from basalt.spec.models import ModelFile

MLTABLE_FILES = ("MLTable", "MLtable")
"""The names of an ``mltable`` asset's definition file, at the root of its files."""


class DataType(StrEnum):
    """How a data asset is handed to a job, named as Azure ML names them."""

    URI_FILE = "uri_file"
    URI_FOLDER = "uri_folder"
    MLTABLE = "mltable"


def uri_file_is_folder(path: str) -> InvalidArgumentError:
    """The error for a ``uri_file`` whose path is a folder (raised by the SDK and the server)."""
    return invalid(
        "type",
        f"path {path!r} is a folder, but type uri_file needs exactly one file; "
        "use type uri_folder (or point path at one file)",
    )


class DataCreate(SpecModel):
    """Body of a data asset version's creation.

    ``path`` is a local file or folder (the SDK uploads its files first and sends their list in
    ``files``), ``runs:/<run>/<path>`` or ``azureml://jobs/<job>/outputs/<output>[/paths/<p>]``
    (copied from the run's files on the server, recording lineage to the run).
    """

    name: Name
    version: str | None = Field(default=None, description="Version; the next integer if omitted.")
    type: DataType = DataType.URI_FOLDER
    path: str
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    properties: KeyValues = Field(default_factory=dict)
    created_by: str | None = None
    files: list[ModelFile] | None = Field(
        default=None, description="The uploaded files of a local path (set by the SDK)."
    )


class DataYaml(SpecModel):
    """A data YAML file in Azure ML's shape (``az ml data create -f data.yml``)."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: Name
    version: str | int | None = None
    type: DataType = DataType.URI_FOLDER
    path: str
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)


class DataUpdate(AssetUpdate):
    """The mutable parts of a data version; fields left out stay as they are."""


class DataLabelSet(AssetLabelSet):
    """Point a label at one version of a data asset."""


class DataListQuery(AssetListQuery):
    """Which data versions to list."""


ProfileValue = bool | int | float | str | None
"""A column's min or max: numbers as numbers, dates as ISO 8601 text, other values as text."""


class TopValue(SpecModel):
    """One of a column's most frequent values."""

    value: str
    count: int


class ColumnProfile(SpecModel):
    """Statistics of one column of a tabular data version."""

    name: str
    type: str = Field(description="The pyarrow type (int64, double, string, timestamp[us] ...).")
    count: int = Field(description="Values that are not null (NaN counts as null).")
    nulls: int
    min: ProfileValue = None
    max: ProfileValue = None
    mean: float | None = Field(default=None, description="Numeric columns only.")
    distinct: int | None = Field(default=None, description="Distinct non-null values.")
    top: list[TopValue] = Field(
        default_factory=list, description="String columns: the 5 most frequent values."
    )


class DataProfile(SpecModel):
    """Schema and column statistics of a tabular data version, computed at registration."""

    rows: int = Field(description="Rows profiled.")
    sampled: bool = Field(
        default=False, description="True when the table has more rows than were profiled."
    )
    columns: list[ColumnProfile] = Field(default_factory=list)
    head: list[list[ProfileValue]] = Field(
        default_factory=list,
        description="The first rows (at most 20), in the order of ``columns``; values as in "
        "min/max (times as ISO strings, bytes and non-finite numbers as null).",
    )


class Data(Entity):
    """One data asset version."""

    name: str
    version: str
    type: DataType
    path: str = Field(description="Where the content came from (local path or run URI).")
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    job_name: str | None = Field(default=None, description="The run it was copied from.")
    size: int = 0
    content_hash: str
    files: list[str] = Field(default_factory=list)
    profile: DataProfile | None = Field(
        default=None,
        description="Schema and column statistics of tabular data (None: not tabular, or the "
        "server lacks basalt[data]).",
    )
