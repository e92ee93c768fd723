"""Secret routes: the vault of a workspace (values only in set bodies and the value route)."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.secrets import KeyRotation, Secret, SecretReveal, SecretSet

router = APIRouter(tags=["secrets"])


@router.get(ops.SECRETS_LIST.path, operation_id="secrets-list")
def list_secrets(services: ServicesDep, workspace: str) -> list[Secret]:
    """List secrets by name: who set them and when, never their values."""
    return services.secrets.list_secrets(workspace)


@router.put(ops.SECRETS_SET.path, operation_id="secrets-set")
def set_secret(services: ServicesDep, workspace: str, name: str, body: SecretSet) -> Secret:
    """Create a secret or replace its value."""
    return services.secrets.set_secret(workspace, name, body)


@router.get(ops.SECRETS_GET.path, operation_id="secrets-get")
def get_secret(services: ServicesDep, workspace: str, name: str) -> Secret:
    """A secret's metadata (never its value)."""
    return services.secrets.get_secret(workspace, name)


@router.get(ops.SECRETS_GET_VALUE.path, operation_id="secrets-get-value")
def get_secret_value(services: ServicesDep, workspace: str, name: str) -> SecretReveal:
    """A secret's value."""
    return services.secrets.reveal_secret(workspace, name)


@router.delete(ops.SECRETS_DELETE.path, operation_id="secrets-delete", status_code=204)
def delete_secret(services: ServicesDep, workspace: str, name: str) -> None:
    """Remove a secret."""
    services.secrets.delete_secret(workspace, name)


@router.post(ops.VAULT_ROTATE_KEY.path, operation_id="vault-rotate-key")
def rotate_key(services: ServicesDep) -> KeyRotation:
    """Re-encrypt every secret under a new vault key, then replace the key."""
    return services.secrets.rotate_key()
