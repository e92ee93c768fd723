"""Base model configuration, pages, names and the validators every concept shares."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from basalt.errors import invalid

JSON = Any
"""Free-form JSON payloads (specs, properties): the only place ``Any`` is allowed."""

MAX_NAME_LENGTH = 250
MAX_VALUE_LENGTH = 6000
MAX_PAGE_SIZE = 10_000
DEFAULT_PAGE_SIZE = 100

T = TypeVar("T")


class SpecModel(BaseModel):
    """Base of wire models: unknown fields are an error, NaN/inf travel as strings."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="strings", populate_by_name=True)


class Entity(SpecModel):
    """Base of models returned to users: a readable repr and an HTML table for notebooks."""

    def __repr_args__(self) -> Any:
        # Keep reprs short: drop empty collections and Nones.
        for key, value in super().__repr_args__():
            if value is None or value == {} or value == []:
                continue
            yield key, value

    def _repr_html_(self) -> str:
        import html

        rows = []
        for key, value in self.model_dump(mode="json").items():
            if value in (None, {}, []):
                continue
            rows.append(
                f"<tr><th style='text-align:left'>{html.escape(key)}</th>"
                f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
            )
        title = html.escape(type(self).__name__)
        return f"<table><caption>{title}</caption>{''.join(rows)}</table>"


class Page(SpecModel, Generic[T]):
    """One page of a list; pass ``next_page_token`` back to get the next one."""

    items: list[T]
    next_page_token: str | None = None


def check_name(value: str, field: str = "name") -> str:
    """Validate a user-given name: not empty, at most 250 characters, no control characters.

    Raises:
        InvalidArgumentError: Naming ``field`` and saying what is wrong.
    """
    if not isinstance(value, str) or value.strip() == "":
        raise invalid(field, f"{field} must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise invalid(
            field, f"{field} {value[:40]!r}... is {len(value)} characters; at most 250 allowed"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise invalid(field, f"{field} {value!r} contains a control character")
    return value


def check_value(value: str, field: str) -> str:
    """Validate a param or tag value: a string of at most 6000 characters."""
    if len(value) > MAX_VALUE_LENGTH:
        raise invalid(field, f"{field} is {len(value)} characters; at most {MAX_VALUE_LENGTH}")
    return value


def _name(value: str) -> str:
    return check_name(value)


Name = Annotated[str, AfterValidator(_name)]
"""A validated user-facing name (experiments, metric keys, params, tags)."""


def _key_values(value: dict[str, str]) -> dict[str, str]:
    for key, item in value.items():
        check_value(item, f"value of {key!r}")
    return value


KeyValues = Annotated[dict[Name, str], AfterValidator(_key_values)]
"""Params or tags: validated names mapped to values of at most 6000 characters."""


def to_epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime."""
    return int(value.timestamp() * 1000)


def is_finite(value: float) -> bool:
    """True for a real number (not NaN or an infinity)."""
    return not (math.isnan(value) or math.isinf(value))


PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


def encode_page_token(offset: int) -> str:
    """An opaque continuation token for the page starting at ``offset``."""
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    """The offset a continuation token stands for.

    Raises:
        InvalidArgumentError: The token was not made by this server.
    """
    import base64
    import json

    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(offset)
        return offset
    except Exception as exc:
        raise invalid(
            "page_token", f"page_token {token!r} is not a valid continuation token"
        ) from exc
