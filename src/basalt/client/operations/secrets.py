"""``client.secrets``: the workspace vault."""

from __future__ import annotations

import builtins

from pydantic import SecretStr

from basalt.client._uploads import current_user
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.secrets import KeyRotation, Secret, SecretReveal, SecretSet, check_secret_name


class SecretOperations:
    """Secrets of the client's workspace: values are encrypted at rest and never listed."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def set(self, name: str, value: str) -> Secret:
        """Create the secret ``name`` or replace its value; returns its metadata."""
        check_secret_name(name)
        body = SecretSet(value=SecretStr(value), set_by=current_user())
        return self._t.call(  # type: ignore[no-any-return]
            ops.SECRETS_SET, {"workspace": self._ws, "name": name}, body=body
        )

    def get(self, name: str) -> str:
        """The value of the secret ``name``; raises NotFoundError if there is none."""
        found: SecretReveal = self._t.call(
            ops.SECRETS_GET_VALUE, {"workspace": self._ws, "name": name}
        )
        return found.value.get_secret_value()

    def show(self, name: str) -> Secret:
        """The metadata of the secret ``name`` (who set it and when, never its value)."""
        return self._t.call(ops.SECRETS_GET, {"workspace": self._ws, "name": name})  # type: ignore[no-any-return]

    def list(self) -> builtins.list[Secret]:
        """Secrets of the workspace by name, without values."""
        return self._t.call(ops.SECRETS_LIST, {"workspace": self._ws})  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        """Remove the secret ``name``; raises NotFoundError if there is none."""
        self._t.call(ops.SECRETS_DELETE, {"workspace": self._ws, "name": name})

    def rotate_key(self) -> KeyRotation:
        """Re-encrypt every secret under a new vault key, then replace the key."""
        return self._t.call(ops.VAULT_ROTATE_KEY, {})  # type: ignore[no-any-return]
