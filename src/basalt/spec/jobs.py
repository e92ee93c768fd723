"""Job specs in Azure ML CLI v2 shapes: command jobs, sweep jobs, their inputs and outputs.

These models take YAML data as users write it (after ``basalt.spec.job_yaml`` has resolved local
paths) and normalise the short forms: a bare literal input (``lr: 0.01``) becomes a typed
``JobInput`` with a ``value``; an output written with no value becomes a default ``uri_folder``;
a sampling algorithm written as a word becomes a ``SamplingAlgorithm``. A bare string input stays
a literal string even when it looks like a path, as on Azure.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from basalt.spec.common import JSON, SpecModel
from basalt.spec.expressions import literal_text, references
from basalt.spec.sweeps import (
    BanditPolicy,
    Choice,
    Distribution,
    EarlyTermination,
    LogNormal,
    LogUniform,
    MedianStoppingPolicy,
    Normal,
    Objective,
    QLogNormal,
    QLogUniform,
    QNormal,
    QUniform,
    RandInt,
    SamplingAlgorithm,
    SweepLimits,
    TruncationSelectionPolicy,
    Uniform,
)

__all__ = [
    "BanditPolicy",
    "Choice",
    "CommandJob",
    "Distribution",
    "EarlyTermination",
    "InputMode",
    "InputType",
    "JobInput",
    "JobLimits",
    "JobOutput",
    "JobSpec",
    "LogNormal",
    "LogUniform",
    "MedianStoppingPolicy",
    "Normal",
    "Objective",
    "OutputMode",
    "OutputType",
    "QLogNormal",
    "QLogUniform",
    "QNormal",
    "QUniform",
    "RandInt",
    "SamplingAlgorithm",
    "SweepJob",
    "SweepLimits",
    "TrialSpec",
    "TruncationSelectionPolicy",
    "Uniform",
    "parse_job",
]


class InputType(StrEnum):
    """Types of job inputs: data and model types, then literal types."""

    URI_FILE = "uri_file"
    URI_FOLDER = "uri_folder"
    MLTABLE = "mltable"
    MLFLOW_MODEL = "mlflow_model"
    CUSTOM_MODEL = "custom_model"
    TRITON_MODEL = "triton_model"
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"

    @property
    def is_literal(self) -> bool:
        """True for string, integer, number and boolean."""
        return self in _LITERAL_TYPES


_LITERAL_TYPES = {InputType.STRING, InputType.INTEGER, InputType.NUMBER, InputType.BOOLEAN}


class InputMode(StrEnum):
    """How a data input reaches the command."""

    RO_MOUNT = "ro_mount"
    DOWNLOAD = "download"
    DIRECT = "direct"
    EVAL_MOUNT = "eval_mount"
    EVAL_DOWNLOAD = "eval_download"


class OutputType(StrEnum):
    """Types of job outputs."""

    URI_FILE = "uri_file"
    URI_FOLDER = "uri_folder"
    MLTABLE = "mltable"
    MLFLOW_MODEL = "mlflow_model"
    CUSTOM_MODEL = "custom_model"


class OutputMode(StrEnum):
    """How an output is written."""

    RW_MOUNT = "rw_mount"
    UPLOAD = "upload"
    MOUNT = "mount"
    DIRECT = "direct"


Literal_ = str | int | float | bool


def _literal_type(value: Literal_) -> InputType:
    if isinstance(value, bool):
        return InputType.BOOLEAN
    if isinstance(value, int):
        return InputType.INTEGER
    if isinstance(value, float):
        return InputType.NUMBER
    return InputType.STRING


def _coerce_literal(kind: InputType, value: Literal_) -> Literal_:
    """Convert a literal to ``kind``; raises ValueError with a message for people."""
    if kind is InputType.STRING:
        return value if isinstance(value, str) else literal_text(value)
    if kind is InputType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"expected true or false, got {value!r}")
    if isinstance(value, bool):
        raise ValueError(f"expected a {kind.value}, got {value!r}")
    try:
        if kind is InputType.INTEGER:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        return float(value)
    except ValueError:
        raise ValueError(
            f"expected a{'n' if kind is InputType.INTEGER else ''} {kind.value}, got {value!r}"
        ) from None


class JobInput(SpecModel):
    """One job input: a data or model path, or a literal value."""

    type: InputType = InputType.URI_FOLDER
    path: str | None = None
    mode: InputMode | None = None
    value: Literal_ | None = Field(default=None, description="The literal value.")
    default: Literal_ | None = None
    optional: bool = False
    min: int | float | None = None
    max: int | float | None = None
    enum: list[Literal_] | None = None
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _infer_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "type" not in data and "path" not in data:
            given = data.get("value", data.get("default"))
            if isinstance(given, str | int | float):
                return {**data, "type": _literal_type(given).value}
        return data

    @model_validator(mode="after")
    def _check(self) -> JobInput:
        if self.type.is_literal:
            if self.path is not None:
                raise ValueError(f"a {self.type.value} input takes a value, not a path")
            if self.value is not None:
                self.value = _coerce_literal(self.type, self.value)
            if self.default is not None:
                self.default = _coerce_literal(self.type, self.default)
            if self.enum is not None and self.value is not None and self.value not in self.enum:
                raise ValueError(f"value {self.value!r} is not one of {self.enum}")
        elif self.value is not None:
            raise ValueError(f"a {self.type.value} input takes a path, not a value")
        elif self.path is None and not self.optional:
            raise ValueError(f"a {self.type.value} input needs a path; add path: <file or folder>")
        return self

    @property
    def is_literal(self) -> bool:
        """True for string, integer, number and boolean inputs."""
        return self.type.is_literal

    @property
    def literal(self) -> Literal_ | None:
        """The literal value: ``value``, else ``default``."""
        return self.value if self.value is not None else self.default


class JobOutput(SpecModel):
    """One job output; ``name`` (and ``version``) register it as an asset."""

    type: OutputType = OutputType.URI_FOLDER
    mode: OutputMode | None = None
    path: str | None = Field(default=None, description="Datastore path to write to.")
    name: str | None = None
    version: str | None = None
    description: str | None = None


class JobLimits(SpecModel):
    """Limits of a command job."""

    timeout: int | None = Field(default=None, gt=0, description="Seconds before it is canceled.")


def _string_map(value: Any) -> Any:
    """Coerce the values of a string map (YAML numbers and booleans) to text."""
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if item is None:
            out[key] = ""
        elif isinstance(item, str | int | float):
            out[key] = literal_text(item)
        else:
            out[key] = item
    return out


def _inputs(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(item, str | int | float):
            out[key] = {"type": _literal_type(item).value, "value": item}
        elif item is None:
            raise ValueError(
                f"input {key!r} has no value; write a literal ({key}: 1) or a data input "
                f"({key}: {{type: uri_folder, path: ./data}})"
            )
        else:
            out[key] = item
    return out


def _outputs(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {key: {} if item is None else item for key, item in value.items()}


def _check_refs(
    command: str,
    inputs: dict[str, JobInput],
    outputs: dict[str, JobOutput],
    search_space: dict[str, Distribution] | None,
) -> None:
    tables: dict[str, set[str]] = {"inputs": set(inputs), "outputs": set(outputs)}
    if search_space is not None:
        tables["search_space"] = set(search_space)
    for ref in sorted(references(command)):
        if ref in ("name", "default_datastore"):
            continue
        space, _, key = ref.partition(".")
        if space not in tables:
            allowed = ", ".join(f"{t}.<name>" for t in tables)
            raise ValueError(f"unknown reference ${{{{{ref}}}}}; allowed: {allowed}, name")
        if key not in tables[space]:
            declared = ", ".join(sorted(tables[space])) or "(none)"
            raise ValueError(f"${{{{{ref}}}}} is not declared in {space}; declared: {declared}")


class _JobBase(SpecModel):
    schema_: str | None = Field(default=None, alias="$schema")
    name: str | None = None
    display_name: str | None = None
    experiment_name: str | None = None
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    inputs: dict[str, JobInput] = Field(default_factory=dict)
    outputs: dict[str, JobOutput] = Field(default_factory=dict)
    compute: str | None = None

    _tags = field_validator("tags", "properties", mode="before")(_string_map)
    _inputs = field_validator("inputs", mode="before")(_inputs)
    _outputs = field_validator("outputs", mode="before")(_outputs)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> Any:
        return "" if value is None else value


class _Runnable(SpecModel):
    command: str = Field(min_length=1)
    code: str | None = None
    environment: str | dict[str, JSON] | None = None
    environment_variables: dict[str, str] = Field(default_factory=dict)
    resources: dict[str, JSON] | None = None
    distribution: dict[str, JSON] | None = Field(default=None, description="Recorded only.")

    _env = field_validator("environment_variables", mode="before")(_string_map)

    @field_validator("command")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("command must not be empty; write the shell command to run")
        return value


class CommandJob(_JobBase, _Runnable):
    """A command job (``type: command``)."""

    type: Literal["command"] = "command"
    limits: JobLimits | None = None

    @model_validator(mode="after")
    def _refs(self) -> CommandJob:
        _check_refs(self.command, self.inputs, self.outputs, None)
        return self


class TrialSpec(_Runnable):
    """The command each sweep trial runs."""


class SweepJob(_JobBase):
    """A hyperparameter sweep (``type: sweep``): one command trial per sampled point."""

    type: Literal["sweep"] = "sweep"
    trial: TrialSpec
    search_space: dict[str, Distribution] = Field(min_length=1)
    sampling_algorithm: SamplingAlgorithm = Field(
        default_factory=lambda: SamplingAlgorithm(type="random")
    )
    objective: Objective
    early_termination: EarlyTermination | None = None
    limits: SweepLimits

    @model_validator(mode="after")
    def _check(self) -> SweepJob:
        if self.sampling_algorithm.type == "grid":
            for key, dist in self.search_space.items():
                if dist.type != "choice":
                    raise ValueError(
                        f"grid sampling needs choice parameters, but search_space.{key} is "
                        f"{dist.type}; use type: choice with a list of values, or "
                        "sampling_algorithm: random"
                    )
        _check_refs(self.trial.command, self.inputs, self.outputs, self.search_space)
        return self


JobSpec = Annotated[CommandJob | SweepJob, Field(discriminator="type")]


def parse_job(data: dict[str, Any]) -> CommandJob | SweepJob:
    """Validate a job spec given as data (``type`` defaults to command).

    Raises:
        InvalidArgumentError: Naming the first wrong key and what to do.
    """
    from basalt.spec.yaml_files import validate_file

    kind = data.get("type", "command")
    if kind == "sweep":
        return validate_file(SweepJob, data)
    if kind == "command":
        return validate_file(CommandJob, data)
    from basalt.errors import invalid

    raise invalid("type", f"job type {kind!r} is not supported; use command or sweep")
