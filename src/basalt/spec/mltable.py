"""The ``MLTable`` file of an ``mltable`` data asset, in the shape Azure ML writes it.

An MLTable file is YAML with ``paths:`` (``file``, ``folder`` or ``pattern``, relative to the
file's folder) and ``transformations:``, a list of one-key mappings applied in order::

    type: mltable
    paths:
      - file: ./train.csv
    transformations:
      - read_delimited: {delimiter: ',', header: all_files_same_headers}
      - drop_columns: [id]
      - take: 1000

Each transformation becomes one typed model (``ReadDelimited``, ``Take`` ...); an unknown one is
an ``InvalidArgumentError`` that names it and lists those Basalt knows. What they do to data is
``basalt.tabular`` (pyarrow); this module only parses.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from basalt.errors import InvalidArgumentError, invalid
from basalt.spec.common import JSON, SpecModel

Header = Literal[
    "all_files_same_headers", "all_files_different_headers", "from_first_file", "no_header"
]
Encoding = Literal[
    "utf8", "iso88591", "latin1", "ascii", "utf16", "utf32", "utf8bom", "windows1252"
]
ColumnTypeName = Literal["int", "float", "string", "boolean", "datetime"]

ENCODINGS: dict[str, str] = {
    "utf8": "utf-8",
    "iso88591": "iso-8859-1",
    "latin1": "latin-1",
    "ascii": "ascii",
    "utf16": "utf-16",
    "utf32": "utf-32",
    "utf8bom": "utf-8-sig",
    "windows1252": "cp1252",
}
"""MLTable encoding names → Python codec names."""


class PathEntry(SpecModel):
    """One entry of ``paths:``: exactly one of ``file``, ``folder`` or ``pattern``."""

    file: str | None = None
    folder: str | None = None
    pattern: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> PathEntry:
        given = [k for k in ("file", "folder", "pattern") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("each paths: entry needs exactly one of file, folder or pattern")
        return self

    @property
    def kind(self) -> str:
        """``file``, ``folder`` or ``pattern``."""
        return (
            "file" if self.file is not None else "folder" if self.folder is not None else "pattern"
        )

    @property
    def value(self) -> str:
        """The path or pattern."""
        return self.file or self.folder or self.pattern or ""


class ReadDelimited(SpecModel):
    """``read_delimited``: CSV-like text files."""

    kind: Literal["read_delimited"] = "read_delimited"
    delimiter: str = ","
    header: Header = "all_files_same_headers"
    encoding: Encoding = "utf8"
    empty_as_string: bool = False
    include_path_column: bool = False
    path_column: str = "Path"
    infer_column_types: bool = True
    support_multi_line: bool = False
    partition_size: int | None = Field(default=None, description="Accepted; not used here.")


class ReadParquet(SpecModel):
    """``read_parquet``: Parquet files."""

    kind: Literal["read_parquet"] = "read_parquet"
    include_path_column: bool = False
    path_column: str = "Path"


class ReadJsonLines(SpecModel):
    """``read_json_lines``: one JSON object per line."""

    kind: Literal["read_json_lines"] = "read_json_lines"
    encoding: Encoding = "utf8"
    include_path_column: bool = False
    path_column: str = "Path"
    invalid_lines: Literal["error", "drop"] = "error"
    partition_size: int | None = Field(default=None, description="Accepted; not used here.")


class Take(SpecModel):
    """``take: N``: the first N rows."""

    kind: Literal["take"] = "take"
    count: int = Field(ge=0)


class TakeRandomSample(SpecModel):
    """``take_random_sample``: each row kept with ``probability`` (seeded: repeatable)."""

    kind: Literal["take_random_sample"] = "take_random_sample"
    probability: float = Field(ge=0.0, le=1.0)
    seed: int | None = None


class DropColumns(SpecModel):
    """``drop_columns: [..]``."""

    kind: Literal["drop_columns"] = "drop_columns"
    columns: list[str]


class KeepColumns(SpecModel):
    """``keep_columns: [..]``."""

    kind: Literal["keep_columns"] = "keep_columns"
    columns: list[str]


class ColumnType(SpecModel):
    """A target type of ``convert_column_types`` (``int`` or ``{datetime: {formats: [..]}}``)."""

    name: ColumnTypeName
    formats: list[str] = Field(default_factory=list, description="datetime: strptime formats.")
    true_values: list[str] = Field(default_factory=list, description="boolean: true spellings.")
    false_values: list[str] = Field(default_factory=list, description="boolean: false ones.")
    mismatch_as: Literal["true", "false", "error"] | None = None


class ColumnConversion(SpecModel):
    """One item of ``convert_column_types``: ``columns`` to ``column_type``."""

    columns: list[str]
    column_type: ColumnType

    @field_validator("columns", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("column_type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, dict) and len(value) == 1:
            ((name, options),) = value.items()
            return {"name": name, **(options or {})}
        return value


class ConvertColumnTypes(SpecModel):
    """``convert_column_types: [{columns: .., column_type: ..}]``."""

    kind: Literal["convert_column_types"] = "convert_column_types"
    conversions: list[ColumnConversion]


Transformation = Annotated[
    ReadDelimited
    | ReadParquet
    | ReadJsonLines
    | Take
    | TakeRandomSample
    | DropColumns
    | KeepColumns
    | ConvertColumnTypes,
    Field(discriminator="kind"),
]
ReadStep = ReadDelimited | ReadParquet | ReadJsonLines

# How the value under each transformation's key becomes the model's fields.
_SHAPES: dict[str, str | None] = {
    "read_delimited": None,
    "read_parquet": None,
    "read_json_lines": None,
    "take": "count",
    "take_random_sample": None,
    "drop_columns": "columns",
    "keep_columns": "columns",
    "convert_column_types": "conversions",
}
KNOWN_TRANSFORMATIONS = tuple(_SHAPES)
"""The transformation names Basalt applies, in the order of Azure ML's documentation."""


def unknown_transformation(name: str) -> InvalidArgumentError:
    """The error for a transformation Basalt does not know."""
    return invalid(
        "transformations",
        f"MLTable transformation {name!r} is not supported; the known ones are "
        f"{', '.join(KNOWN_TRANSFORMATIONS)}",
    )


def _transformation(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        item = {item: None}
    if not isinstance(item, dict) or len(item) != 1:
        raise invalid(
            "transformations",
            f"each MLTable transformation is a one-key mapping (e.g. '- take: 10'), not {item!r}",
        )
    ((name, value),) = item.items()
    if name not in _SHAPES:
        raise unknown_transformation(str(name))
    field = _SHAPES[name]
    if field is not None:
        if field == "columns" and isinstance(value, str):
            value = [value]
        return {"kind": name, field: value}
    return {"kind": name, **(value or {})} if isinstance(value, dict | None) else {"kind": name}


class MLTable(SpecModel):
    """An MLTable file: where the files are and what to do to them."""

    schema_: str | None = Field(default=None, alias="$schema")
    type: Literal["mltable"] | None = None
    paths: list[PathEntry] = Field(min_length=1)
    transformations: list[Transformation] = Field(default_factory=list)
    traits: dict[str, JSON] | None = Field(default=None, description="Accepted; not used.")
    metadata: dict[str, JSON] | None = Field(default=None, description="Accepted; not used.")

    @field_validator("transformations", mode="before")
    @classmethod
    def _one_key_mappings(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            raise invalid("transformations", "transformations: must be a list")
        return [_transformation(item) for item in value]

    @property
    def read_step(self) -> ReadStep | None:
        """The ``read_*`` transformation (None: each file's format from its extension).

        Raises:
            InvalidArgumentError: More than one ``read_*`` transformation.
        """
        reads = [
            t
            for t in self.transformations
            if isinstance(t, ReadDelimited | ReadParquet | ReadJsonLines)
        ]
        if len(reads) > 1:
            raise invalid("transformations", "an MLTable has at most one read_* transformation")
        return reads[0] if reads else None


def parse_mltable(text: str | bytes, source: str = "MLTable") -> MLTable:
    """Parse an MLTable file's text.

    Args:
        text: The YAML.
        source: What to call it in errors (the file's path).

    Raises:
        InvalidArgumentError: Not YAML, not a mapping with ``paths:``, an unknown
            transformation (named, with the known ones), or a bad option.
    """
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise invalid("path", f"{source} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("paths"), list):
        raise invalid(
            "path",
            f"{source} must be a YAML mapping with a paths: list "
            "(e.g. paths: [{file: ./data.csv}])",
        )
    try:
        return MLTable.model_validate(data)
    except InvalidArgumentError as exc:
        raise invalid(exc.details.get("field", "path"), f"{source}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise invalid("path", f"{source}: {where}: {first['msg']}") from None
