"""The AST of the filter languages and what each language may name (runs, experiments)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, TypeAlias

FieldKind = Literal["metrics", "params", "tags", "attributes"]
CompareOp = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "is null",
    "is not null",
]
Value: TypeAlias = str | int | float | bool | datetime
"""A literal of the language; times are aware UTC datetimes, ``archived`` values are bools."""

MAX_DEPTH: Final = 64
MAX_IN_VALUES: Final = 1000

# MLflow's entity prefixes are accepted as aliases of Basalt's.
ENTITIES: Final[dict[str, FieldKind]] = {
    "metrics": "metrics",
    "metric": "metrics",
    "params": "params",
    "param": "params",
    "parameter": "params",
    "parameters": "params",
    "tags": "tags",
    "tag": "tags",
    "attributes": "attributes",
    "attribute": "attributes",
    "attr": "attributes",
    "run": "attributes",
}

AttrType = Literal["string", "time", "bool", "number"]

# NOTE: canonical name -> type; store.filters maps every canonical name to a column, and a test
# keeps the two in step.
ATTRIBUTE_TYPES: Final[dict[str, AttrType]] = {
    "name": "string",
    "display_name": "string",
    "status": "string",
    "experiment_name": "string",
    "kind": "string",
    "created_by": "string",
    "created_at": "time",
    "start_time": "time",
    "end_time": "time",
    "archived": "bool",
}
"""The attributes a filter or sort can name (canonical names)."""

ATTRIBUTE_ALIASES: Final[dict[str, str]] = {
    "run_id": "name",
    "run_name": "display_name",
    "user_id": "created_by",
    "created": "created_at",
}
"""Other accepted spellings (MLflow's) and the canonical attribute each one means."""

EXPERIMENT_ATTRIBUTE_TYPES: Final[dict[str, AttrType]] = {
    "name": "string",
    "id": "number",
    "created_at": "time",
    "updated_at": "time",
}
"""The attributes an experiment filter or sort can name (canonical names)."""

EXPERIMENT_ATTRIBUTE_ALIASES: Final[dict[str, str]] = {
    "experiment_id": "id",
    "creation_time": "created_at",
    "last_update_time": "updated_at",
}
"""MLflow's spellings of experiment attributes."""


@dataclass(frozen=True, slots=True)
class Language:
    """What one filter language may name: entity kinds and attributes with their types."""

    kinds: frozenset[FieldKind]
    attributes: dict[str, AttrType]
    aliases: dict[str, str]
    subject: str  # what the filter selects, for messages ("run", "experiment")


RUN_LANGUAGE: Final = Language(
    frozenset({"metrics", "params", "tags", "attributes"}),
    ATTRIBUTE_TYPES,
    ATTRIBUTE_ALIASES,
    "run",
)
EXPERIMENT_LANGUAGE: Final = Language(
    frozenset({"tags", "attributes"}),
    EXPERIMENT_ATTRIBUTE_TYPES,
    EXPERIMENT_ATTRIBUTE_ALIASES,
    "experiment",
)

_NUMERIC_OPS: Final = ("=", "!=", "<", "<=", ">", ">=")
_STRING_OPS: Final = ("=", "!=", "like", "ilike", "not like", "not ilike")
OPS_BY_TYPE: Final[dict[str, tuple[str, ...]]] = {
    "number": (*_NUMERIC_OPS, "in", "not in", "is null", "is not null"),
    "string": (*_STRING_OPS, "in", "not in", "is null", "is not null"),
    "time": (*_NUMERIC_OPS, "is null", "is not null"),
    "bool": ("=", "!="),
}
KEYWORDS: Final = frozenset({"and", "or", "not", "in", "like", "ilike", "is", "null"})


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field of a run: ``metrics.KEY``, ``params.KEY``, ``tags.KEY`` or an attribute.

    Attributes:
        kind: Which family the field belongs to.
        key: The metric, param or tag key, or the canonical attribute name.
    """

    kind: FieldKind
    key: str

    def __str__(self) -> str:
        if self.kind == "attributes":
            return self.key
        if re.fullmatch(r"[A-Za-z_][\w./-]*", self.key):
            return f"{self.kind}.{self.key}"
        return f"{self.kind}.`{self.key}`"


@dataclass(frozen=True, slots=True)
class Compare:
    """``field op value``; ``value`` is None for ``is null`` and ``is not null``."""

    field: FieldRef
    op: CompareOp
    value: Value | None


@dataclass(frozen=True, slots=True)
class InList:
    """``field in (v1, v2, ...)``, or ``not in`` when ``negated``."""

    field: FieldRef
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class And:
    """All of ``items`` hold (two or more)."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one of ``items`` holds (two or more)."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``item`` does not hold."""

    item: Expr


Expr: TypeAlias = And | Or | Not | Compare | InList
"""A parsed filter expression."""


@dataclass(frozen=True, slots=True)
class OrderBy:
    """One sort key of a run listing."""

    field: FieldRef
    descending: bool = False
