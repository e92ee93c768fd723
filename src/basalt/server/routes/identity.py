"""Identity routes: users, tokens, sign-in, who am I, workspace members."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from basalt.server.deps import PrincipalDep, ServicesDep
from basalt.spec import operations as ops
from basalt.spec.auth import (
    LoginRequest,
    Member,
    MemberSet,
    Token,
    TokenCreate,
    TokenCreated,
    User,
    UserCreate,
)

router = APIRouter(tags=["identity"])


@router.get(ops.USERS_LIST.path, operation_id="users-list")
def list_users(services: ServicesDep) -> list[User]:
    """List users (administrators)."""
    return services.identity.list_users()


@router.post(ops.USERS_CREATE.path, operation_id="users-create", status_code=201)
def create_user(services: ServicesDep, body: UserCreate) -> User:
    """Create a user (administrators)."""
    return services.identity.create_user(body)


@router.post(ops.USERS_DISABLE.path, operation_id="users-disable")
def disable_user(services: ServicesDep, user: str) -> User:
    """Disable a user: their tokens and password stop working."""
    return services.identity.set_disabled(user, True)


@router.post(ops.USERS_ENABLE.path, operation_id="users-enable")
def enable_user(services: ServicesDep, user: str) -> User:
    """Enable a disabled user again."""
    return services.identity.set_disabled(user, False)


@router.get(ops.TOKENS_LIST.path, operation_id="tokens-list")
def list_tokens(services: ServicesDep, principal: PrincipalDep, all: bool = False) -> list[Token]:  # noqa: A002
    """The caller's tokens (``all=true``: everyone's, for administrators)."""
    return services.identity.list_tokens(principal, everyone=all)


@router.post(
    ops.TOKENS_CREATE.path,
    operation_id="tokens-create",
    status_code=201,
)
def create_token(services: ServicesDep, principal: PrincipalDep, body: TokenCreate) -> TokenCreated:
    """Create a token; its secret is in this answer only."""
    return services.identity.create_token(principal, body)


@router.delete(ops.TOKENS_REVOKE.path, operation_id="tokens-revoke")
def revoke_token(services: ServicesDep, principal: PrincipalDep, token_id: str) -> Token:
    """Revoke one of the caller's tokens (any token, for administrators)."""
    return services.identity.revoke_token(principal, token_id)


@router.post(ops.LOGIN.path, operation_id="login")
def login(services: ServicesDep, request: Request, body: LoginRequest) -> TokenCreated:
    """Sign in with a password; answers a new personal token."""
    address = request.client.host if request.client else None
    return services.identity.login(body, address)


@router.get(ops.ME.path, operation_id="me")
def me(services: ServicesDep, principal: PrincipalDep) -> User:
    """The caller's account."""
    return services.identity.me(principal)


@router.get(ops.MEMBERS_LIST.path, operation_id="members-list")
def list_members(services: ServicesDep, principal: PrincipalDep, workspace: str) -> list[Member]:
    """The workspace's members and roles."""
    return services.access.list_members(principal, workspace)


@router.put(ops.MEMBERS_SET.path, operation_id="members-set")
def set_member(
    services: ServicesDep, principal: PrincipalDep, workspace: str, user: str, body: MemberSet
) -> Member:
    """Give a user a role in the workspace."""
    return services.access.add_member(principal, workspace, user, body.role)


@router.delete(ops.MEMBERS_REMOVE.path, operation_id="members-remove", status_code=204)
def remove_member(
    services: ServicesDep, principal: PrincipalDep, workspace: str, user: str
) -> Response:
    """Take a user's role in the workspace away."""
    services.access.remove_member(principal, workspace, user)
    return Response(status_code=204)
