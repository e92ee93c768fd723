"""Identity and access: users, tokens, roles, what each operation needs, audit events.

Roles are named as in Azure ML. A role grants permissions; each API operation requires one
permission (``required_permission``); a server administrator has every permission everywhere.
A *service token* acts for automation in one workspace with at most one role, so a CI pipeline
never holds a person's rights. Embedded mode has no login: its principal is ``LOCAL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from basalt.spec.common import JSON, Entity, Name, SpecModel
from basalt.spec.secrets import SecretValue


class Role(StrEnum):
    """A member's role in one workspace."""

    OWNER = "Owner"
    CONTRIBUTOR = "Contributor"
    READER = "Reader"
    DATA_LABELER = "Data Labeler"


class Permission(StrEnum):
    """What an operation needs."""

    READ = "read"  # see the workspace's assets, jobs, metrics, files
    WRITE = "write"  # create and change assets, jobs, endpoints
    MANAGE = "manage"  # the workspace's members
    LABEL = "label"  # labeling work (when labeling lands)
    ADMIN = "admin"  # the server: users, workspaces, the vault key
    SELF = "self"  # any signed-in principal, about itself (its tokens, who am I)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset({Permission.READ, Permission.WRITE, Permission.MANAGE, Permission.LABEL}),
    Role.CONTRIBUTOR: frozenset({Permission.READ, Permission.WRITE, Permission.LABEL}),
    Role.READER: frozenset({Permission.READ}),
    Role.DATA_LABELER: frozenset({Permission.LABEL}),
}
"""The one table of what each role may do."""


# NOTE: the operations whose permission is not what their HTTP method suggests (GET → read,
# anything else → write). Searches are POSTs that only read.
_OVERRIDES: dict[str, Permission] = {
    "workspaces.list": Permission.SELF,
    "workspaces.create": Permission.ADMIN,
    "vault.rotate_key": Permission.ADMIN,
    "gc.run": Permission.ADMIN,  # frees bytes of every workspace
    "audit.list": Permission.ADMIN,  # the server-wide log; a workspace's log needs MANAGE
    "runs.search": Permission.READ,
    "models.search": Permission.READ,
    "models.blobs_missing": Permission.WRITE,
    "environments.search": Permission.READ,
    "data.search": Permission.READ,
    "experiments.search": Permission.READ,
    "secrets.get_value": Permission.WRITE,  # reading a secret's value is not for Readers
    "endpoints.get_keys": Permission.WRITE,  # an endpoint's keys are secrets too
    # Webhooks send the workspace's events out of it: the workspace's owners decide where.
    "webhooks.create": Permission.MANAGE,
    "webhooks.delete": Permission.MANAGE,
    "webhooks.deliver": Permission.ADMIN,  # sends every workspace's due deliveries
}


def required_permission(operation: str, method: str) -> Permission:
    """The permission an API operation needs (``operation`` as named in spec/operations.py).

    Operations on users, tokens and members name their own (``users.*`` → admin, ``tokens.*``
    → self, ``members.*`` writes → manage).
    """
    if operation in _OVERRIDES:
        return _OVERRIDES[operation]
    group = operation.split(".", 1)[0]
    if group == "users":
        return Permission.ADMIN
    if group in ("tokens", "me"):
        return Permission.SELF
    if group == "audit":
        return Permission.MANAGE
    if group == "members" and method.upper() != "GET":
        return Permission.MANAGE
    return Permission.READ if method.upper() in ("GET", "HEAD") else Permission.WRITE


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, or a service token acting in one workspace with one role."""

    name: str
    is_admin: bool = False
    token_id: str | None = None
    service_workspace: str | None = None
    service_role: Role | None = None

    @property
    def is_service(self) -> bool:
        """True for a service token (bound to one workspace and role)."""
        return self.service_workspace is not None


LOCAL = Principal(name="local", is_admin=True)
"""The principal of embedded mode (one person, no login) and of ``--auth none``."""


class UserCreate(SpecModel):
    """Body of a user's creation (administrators only)."""

    name: Name
    password: SecretValue | None = Field(
        default=None, description="Password for `basalt login`; tokens work without one."
    )
    admin: bool = False


class User(Entity):
    """A local account."""

    name: str
    is_admin: bool = False
    disabled: bool = False
    created_at: datetime


class TokenCreate(SpecModel):
    """Body of a token's creation: a personal token, or a service token for one workspace."""

    name: Name
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    service: bool = False
    workspace: str | None = Field(default=None, description="Service tokens: the workspace.")
    role: Role | None = Field(default=None, description="Service tokens: the role they act with.")


class Token(Entity):
    """A token's record (never its secret, which is shown once at creation)."""

    id: str
    name: str
    user: str
    kind: str = Field(description="personal or service")
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    workspace: str | None = None
    role: Role | None = None
    created_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False
    last_used_at: datetime | None = None


class TokenCreated(Token):
    """A new token, with its secret (shown this once)."""

    secret: SecretValue  # masked in reprs and logs; in clear in this one JSON answer


class LoginRequest(SpecModel):
    """Sign in with a password; the answer is a new personal token."""

    user: str
    password: SecretValue
    token_name: str = "login"  # noqa: S105 - a token's name, not a secret
    expires_in_days: int | None = Field(default=30, ge=1, le=3650)


class MemberSet(SpecModel):
    """Give a user a role in a workspace (replacing the role they had)."""

    role: Role


class Member(Entity):
    """A user's role in a workspace."""

    workspace: str
    user: str
    role: Role


class AuditEvent(Entity):
    """One mutation: who did what to which target, when, from where, and how it ended."""

    id: int
    at: datetime
    principal: str
    operation: str
    method: str
    path: str
    workspace: str | None = None
    target: str | None = None
    address: str | None = None
    status: int
    outcome: str = Field(description="ok, denied or error")
    details: dict[str, JSON] = Field(default_factory=dict)


class AuditQuery(SpecModel):
    """Which audit events to list, newest first."""

    since: datetime | None = None
    until: datetime | None = None
    user: str | None = None
    workspace: str | None = None
    operation: str | None = None
    page_token: str | None = None
    max_results: int | None = Field(default=None, ge=1, le=10_000)
