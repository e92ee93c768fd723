"""``client.users`` and ``client.tokens`` (server mode)."""

from __future__ import annotations

from pydantic import SecretStr

from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.auth import Role, Token, TokenCreate, TokenCreated, User, UserCreate


class UserOperations:
    """Accounts of a server (administrators)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self) -> list[User]:
        """Every user, by name."""
        return self._t.call(ops.USERS_LIST, {})  # type: ignore[no-any-return]

    def create(self, name: str, *, password: str | None = None, admin: bool = False) -> User:
        """Create a user (a password is optional: tokens work without one).

        Example:
            >>> client.users.create("ana", password="s3cret-enough")  # doctest: +SKIP
        """
        body = UserCreate(
            name=name, password=SecretStr(password) if password else None, admin=admin
        )
        return self._t.call(ops.USERS_CREATE, {}, body=body)  # type: ignore[no-any-return]

    def disable(self, name: str) -> User:
        """Disable a user; their tokens and password stop working."""
        return self._t.call(ops.USERS_DISABLE, {"user": name})  # type: ignore[no-any-return]

    def enable(self, name: str) -> User:
        """Enable a disabled user again."""
        return self._t.call(ops.USERS_ENABLE, {"user": name})  # type: ignore[no-any-return]

    def me(self) -> User:
        """The account this client signs in as."""
        return self._t.call(ops.ME, {})  # type: ignore[no-any-return]


class TokenOperations:
    """API tokens: the caller's own (an administrator's: anyone's)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(
        self,
        name: str,
        *,
        expires_in_days: int | None = None,
        workspace: str | None = None,
        role: Role | str | None = None,
    ) -> TokenCreated:
        """Create a personal token, or (with ``workspace``) a service token for one workspace.

        The secret is in the answer only; it cannot be shown again.
        """
        body = TokenCreate(
            name=name,
            expires_in_days=expires_in_days,
            service=workspace is not None,
            workspace=workspace,
            role=Role(role) if role else None,
        )
        return self._t.call(ops.TOKENS_CREATE, {}, body=body)  # type: ignore[no-any-return]

    def list(self, *, everyone: bool = False) -> list[Token]:
        """The caller's tokens (``everyone``: all tokens, administrators only)."""
        query = {"all": "true"} if everyone else None
        return self._t.call(ops.TOKENS_LIST, {}, query=query)  # type: ignore[no-any-return]

    def revoke(self, token_id: str) -> Token:
        """Revoke a token by its id (``tok_...``)."""
        return self._t.call(ops.TOKENS_REVOKE, {"token_id": token_id})  # type: ignore[no-any-return]
