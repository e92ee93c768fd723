"""Secrets of the workspace vault: names and metadata in lists, values only where asked for.

A value is a ``SecretValue``: masked in reprs, logs and ``str()`` (pydantic's ``SecretStr``),
written out in clear only when a model is serialized to JSON for the wire (the body of
``secrets.set`` and the response of ``secrets.get_value``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, PlainSerializer, SecretStr, WithJsonSchema

from basalt.errors import invalid
from basalt.spec.common import Entity, SpecModel, check_name

MAX_SECRET_BYTES = 64 * 1024
"""The longest secret value accepted, in UTF-8 bytes."""


def check_secret_name(name: str) -> str:
    """Validate a secret name like other names, and refuse ``/`` (names are URL segments).

    Raises:
        InvalidArgumentError: Saying what is wrong with the name.
    """
    check_name(name)
    if "/" in name:
        raise invalid("name", f"Secret name {name!r} must not contain '/'")
    return name


def _reveal(value: SecretStr) -> str:
    return value.get_secret_value()


# NOTE: pydantic documents SecretStr as ``writeOnly``, which tells OpenAPI readers (the
# studio's generated types, schemathesis) that the value never appears in a response; here it
# does, in the one answer that reveals it (``secrets.get_value``, ``tokens.create``).
SecretValue = Annotated[
    SecretStr,
    PlainSerializer(_reveal, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "password"}),
]
"""A secret value: masked in reprs, in clear only in JSON sent over the wire."""


class SecretSet(SpecModel):
    """Body of ``secrets.set``: the value, and who sets it."""

    value: SecretValue
    set_by: str | None = Field(
        default=None, max_length=255, description="Who sets the secret (the local user name)."
    )


class Secret(Entity):
    """A secret's metadata: never its value."""

    name: str
    key_id: str = Field(description="Id of the vault key the value is encrypted under.")
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    updated_by: str | None = None


class SecretReveal(Entity):
    """A secret's value, returned only by the explicit get-value operation."""

    name: str
    value: SecretValue


class KeyRotation(Entity):
    """What ``rotate-key`` did: the old and new key ids and how many secrets it re-encrypted."""

    old_key_id: str | None
    new_key_id: str
    secrets: int
