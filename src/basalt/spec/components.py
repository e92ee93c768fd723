"""Components: reusable command steps, versioned like models, data and environments.

A component is Azure ML's *command component* (``commandComponent.schema.json``): a command
with declared, typed inputs and outputs, the code folder it runs from and the environment it runs
in. Its *content* (``ComponentSpec``) is immutable once a version is created; the code folder's
files are stored content-addressed like a model's files. Pipelines (which wire components into a
graph of steps) build on this; they come later.

Input and output types are the job spec's (``InputType``, ``OutputType``), and the command's
``${{inputs.x}}`` / ``${{outputs.y}}`` / ``$[[ ... ]]`` expressions are read by the same
``basalt.spec.expressions`` a job's command is.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from basalt.spec.assets import AssetLabelSet, AssetListQuery, AssetUpdate
from basalt.spec.common import JSON, Entity, KeyValues, Name, SpecModel
from basalt.spec.expressions import references
from basalt.spec.jobs import InputType, JobInput, OutputMode, OutputType
from basalt.spec.models import ModelFile

COMPONENT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json"
"""The ``$schema`` Azure ML writes at the top of a command component YAML file."""

_OPTIONAL_BLOCK = re.compile(r"\$\[\[.*?\]\]", re.DOTALL)
_GLOBAL_REFS = ("name", "default_datastore")

Literal_ = str | int | float | bool


class ComponentInput(SpecModel):
    """One declared input of a component: its type, and for literals a default and bounds."""

    type: InputType = InputType.URI_FOLDER
    description: str | None = None
    default: Literal_ | None = Field(
        default=None, description="Used when a job or pipeline step gives no value."
    )
    optional: bool = False
    enum: list[Literal_] | None = None
    min: int | float | None = None
    max: int | float | None = None

    @model_validator(mode="after")
    def _check(self) -> ComponentInput:
        if not self.type.is_literal:
            for key in ("enum", "min", "max"):
                if getattr(self, key) is not None:
                    raise ValueError(f"{key} only applies to literal inputs, not {self.type.value}")
            if self.default is not None and not isinstance(self.default, str):
                raise ValueError(f"the default of a {self.type.value} input is a path or URI")
            return self
        if (self.min is not None or self.max is not None) and self.type not in (
            InputType.INTEGER,
            InputType.NUMBER,
        ):
            raise ValueError(
                f"min and max only apply to integer and number inputs, not {self.type}"
            )
        try:
            # NOTE: the job spec's rules convert and check literal values; reuse them.
            checked = JobInput(type=self.type, value=self.default, enum=self.enum, optional=True)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"]
            raise ValueError(f"default: {str(message).removeprefix('Value error, ')}") from None
        self.default = checked.value
        if self.enum is not None:
            self.enum = [JobInput(type=self.type, value=v, optional=True).value for v in self.enum]  # type: ignore[misc]
        if isinstance(self.default, int | float) and not isinstance(self.default, bool):
            if self.min is not None and self.default < self.min:
                raise ValueError(f"default {self.default} is below min {self.min}")
            if self.max is not None and self.default > self.max:
                raise ValueError(f"default {self.default} is above max {self.max}")
        return self


class ComponentOutput(SpecModel):
    """One declared output of a component."""

    type: OutputType = OutputType.URI_FOLDER
    description: str | None = None
    mode: OutputMode | None = None


def _inputs(value: Any) -> Any:
    """A bare ``x: integer`` in ``inputs`` is read as ``x: {type: integer}``."""
    if not isinstance(value, dict):
        return value
    return {k: ({"type": v} if isinstance(v, str) else v) for k, v in value.items()}


def _outputs(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {
        k: ({} if v is None else {"type": v} if isinstance(v, str) else v) for k, v in value.items()
    }


def check_command(
    command: str, inputs: dict[str, ComponentInput], outputs: dict[str, ComponentOutput]
) -> None:
    """Check that the command uses only declared inputs and outputs.

    An optional input with no default may be used only inside a ``$[[ ... ]]`` block, since the
    command must still make sense without it.

    Raises:
        ValueError: Naming the reference and what is declared.
    """
    tables: dict[str, set[str]] = {"inputs": set(inputs), "outputs": set(outputs)}
    for ref in sorted(references(command)):
        if ref in _GLOBAL_REFS:
            continue
        space, _, key = ref.partition(".")
        if space not in tables or not key:
            raise ValueError(
                f"unknown reference ${{{{{ref}}}}}; a component's command may use "
                "${{inputs.<name>}}, ${{outputs.<name>}} and $[[ ... ]] optional blocks"
            )
        if key not in tables[space]:
            declared = ", ".join(sorted(tables[space])) or "(none)"
            raise ValueError(
                f"${{{{{ref}}}}} is not declared in {space}; declared: {declared}; "
                f"add it under {space}: or fix the name"
            )
    outside = references(_OPTIONAL_BLOCK.sub("", command))
    for name, spec in sorted(inputs.items()):
        if spec.optional and spec.default is None and f"inputs.{name}" in outside:
            raise ValueError(
                f"input {name!r} is optional but used outside a $[[ ... ]] block; wrap its use "
                f"in $[[ ... ]] (e.g. $[[--{name} ${{{{inputs.{name}}}}}]]) or make it required"
            )


class ComponentSpec(SpecModel):
    """What a command component holds; immutable once a version is created.

    ``code`` is where the code came from (a local folder when created; its files travel in
    ``files``); ``environment`` is a reference (``azureml:name:version``, ``name@latest``, a
    curated name) or an inline environment.
    """

    type: Literal["command"] = "command"
    display_name: str | None = None
    is_deterministic: bool = True
    inputs: dict[str, ComponentInput] = Field(default_factory=dict)
    outputs: dict[str, ComponentOutput] = Field(default_factory=dict)
    # NOTE: ``command`` comes after inputs and outputs: its validator reads them.
    command: str = Field(min_length=1)
    code: str | None = None
    environment: str | dict[str, JSON] | None = None
    environment_variables: dict[str, str] = Field(default_factory=dict)
    resources: dict[str, JSON] | None = None
    distribution: dict[str, JSON] | None = Field(default=None, description="Recorded only.")

    _inputs = field_validator("inputs", mode="before")(_inputs)
    _outputs = field_validator("outputs", mode="before")(_outputs)

    @field_validator("command")
    @classmethod
    def _command(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("command must not be empty; write the shell command to run")
        if "inputs" in info.data and "outputs" in info.data:
            check_command(value, info.data["inputs"], info.data["outputs"])
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("environment must not be empty; name one, e.g. azureml:sklearn:1")
        return value


class ComponentMeta(SpecModel):
    """A component version's name and mutable metadata."""

    name: Name
    version: str | None = Field(default=None, description="Version; the next integer if omitted.")
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    properties: KeyValues = Field(default_factory=dict)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ComponentYaml(ComponentMeta, ComponentSpec):
    """A component YAML file as Azure ML writes it (``az ml component create -f``)."""

    schema_: str | None = Field(default=None, alias="$schema")


class ComponentCreate(ComponentMeta, ComponentSpec):
    """Body of a component version's creation.

    ``files`` lists the code folder's files, uploaded first as content blobs (the SDK does it).
    """

    created_by: str | None = None
    files: list[ModelFile] | None = Field(
        default=None, description="The uploaded files of the code folder (set by the SDK)."
    )


class ComponentUpdate(AssetUpdate):
    """The mutable parts of a component version; fields left out stay as they are."""


class ComponentLabelSet(AssetLabelSet):
    """Point a label at one version of a component."""


class ComponentListQuery(AssetListQuery):
    """Which component versions to list."""


class Component(Entity):
    """One component version."""

    name: str
    version: str
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    type: Literal["command"] = "command"
    display_name: str | None = None
    is_deterministic: bool = True
    inputs: dict[str, ComponentInput] = Field(default_factory=dict)
    outputs: dict[str, ComponentOutput] = Field(default_factory=dict)
    command: str
    code: str | None = None
    environment: str | dict[str, JSON] | None = None
    environment_variables: dict[str, str] = Field(default_factory=dict)
    resources: dict[str, JSON] | None = None
    distribution: dict[str, JSON] | None = None
    resolved_environment: str = Field(
        default="", description="What the environment resolved to at creation ('NAME:VERSION')."
    )
    files: list[str] = Field(default_factory=list, description="The code folder's files.")
    size: int = 0
    content_hash: str = Field(
        default="", description="sha256 of the spec and the code's file manifest."
    )

    def content(self) -> ComponentSpec:
        """The component's content alone (what its content hash covers, with the code files)."""
        return ComponentSpec.model_validate(
            self.model_dump(include=set(ComponentSpec.model_fields), exclude_none=True)
        )
