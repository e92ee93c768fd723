"""Registry events (a version created, a label moved, archived, restored, deleted) and webhooks.

Every versioned asset (model, data, environment, component) records its events in an append-only
list the API pages by id. A webhook receives the events of chosen kinds as JSON POSTs, signed so
the receiver can tell they came from this workspace: the header
``X-Basalt-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>``
(``verify_signature`` below checks one, for receivers written in Python).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from basalt.errors import invalid
from basalt.spec.common import Entity, Name, SpecModel
from basalt.spec.secrets import SecretValue

SIGNATURE_HEADER = "X-Basalt-Signature"
EVENT_HEADER = "X-Basalt-Event"
DELIVERY_HEADER = "X-Basalt-Delivery"
DEFAULT_TOLERANCE_S = 300
"""How old a signed delivery may be before ``verify_signature`` refuses it (replays)."""

ASSET_KINDS = ("model", "data", "environment", "component")


class RegistryEventType(StrEnum):
    """What happened to a version."""

    CREATED = "created"
    LABEL_SET = "label_set"
    LABEL_REMOVED = "label_removed"
    ARCHIVED = "archived"
    RESTORED = "restored"
    DELETED = "deleted"


class RegistryEvent(Entity):
    """One event of the registry; ids grow, so ``after=<id>`` pages forward."""

    id: int
    workspace: str
    kind: str
    name: str
    version: str | None = None
    event: RegistryEventType
    details: dict[str, Any] = Field(default_factory=dict)
    actor: str | None = Field(default=None, description="Who did it, where known.")
    created_at: datetime


class RegistryEventQuery(SpecModel):
    """Filters of the event list."""

    kind: str | None = None
    name: str | None = None
    # NOTE: bounded to a 64-bit id: a larger number overflowed the database driver (a 500).
    after: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="Only events with a larger id."
    )
    max_results: int | None = Field(default=None, ge=1, le=1000)


def _check_kinds(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(ASSET_KINDS))
    if unknown:
        raise invalid(
            "kinds", f"unknown asset kind(s) {unknown}; choose from {', '.join(ASSET_KINDS)}"
        )
    return value


class WebhookCreate(SpecModel):
    """Body of a webhook's creation; the signing secret is generated when not given."""

    name: Name
    url: str = Field(description="http(s) URL that receives the JSON POSTs.")
    kinds: list[str] = Field(default_factory=lambda: ["model", "data"])
    events: list[RegistryEventType] = Field(default_factory=lambda: list(RegistryEventType))
    secret: SecretValue | None = None
    created_by: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            # NOTE: a BasaltError (not ValueError) passes through pydantic unchanged, so the SDK
            # and the server both answer with the same clear error.
            raise invalid("url", f"webhook url {value!r} must start with http:// or https://")
        return value

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        return _check_kinds(value)


class Webhook(Entity):
    """A webhook (its secret is shown only once, at creation)."""

    name: str
    url: str
    kinds: list[str]
    events: list[RegistryEventType]
    enabled: bool = True
    created_at: datetime
    created_by: str | None = None
    pending: int = Field(default=0, description="Deliveries waiting to be (re)tried.")
    failed: int = Field(default=0, description="Deliveries that ran out of attempts.")


class WebhookCreated(Webhook):
    """The response of a creation: the webhook and its signing secret, in clear this once."""

    secret: SecretValue


class DeliveryStatus(StrEnum):
    """Where one event's delivery to one webhook stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(Entity):
    """One event's delivery to one webhook."""

    id: int
    webhook: str
    event_id: int
    event: RegistryEventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    updated_at: datetime


class DeliveryReport(Entity):
    """What one delivery pass did."""

    attempted: int = 0
    delivered: int = 0
    failed: int = Field(default=0, description="Deliveries that ran out of attempts now.")
    retrying: int = 0


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Whether ``header`` (the ``X-Basalt-Signature`` value) signs ``body`` under ``secret``.

    A signature older than ``tolerance_s`` is refused, so a captured delivery cannot be
    replayed later. The comparison takes constant time.

    Example:
        >>> header = sign("s3cret", b'{"event": "created"}', 1_800_000_000)
        >>> verify_signature("s3cret", b'{"event": "created"}', header, now=1_800_000_010)
        True
        >>> verify_signature("wrong", b'{"event": "created"}', header, now=1_800_000_010)
        False
    """
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
