"""Datastores: named connections to where a workspace's data lives, credentials kept in the vault.

The YAML is Azure ML's datastore YAML (``az ml datastore create -f ds.yml``) for the types that
make sense off Azure, plus two Basalt types:

- ``azure_blob``: ``account_name``, ``container_name``, ``endpoint`` (default
  ``core.windows.net``), ``protocol`` (``https``), ``credentials: {account_key}`` or
  ``{sas_token}``;
- ``azure_data_lake_gen2``: ``account_name``, ``filesystem``, ``endpoint``, ``protocol``,
  ``credentials: {tenant_id, client_id, client_secret}`` or ``{account_key}``;
- ``s3`` (Basalt): ``bucket``, ``endpoint_url`` (any S3-compatible server), ``region``,
  ``credentials: {access_key_id, secret_access_key}``;
- ``local`` (Basalt): ``path``, a folder on the server's machine.

Decision: ``account_url`` (Basalt) overrides the URL built from ``protocol``, ``account_name``
and ``endpoint`` (``https://<account>.blob.<endpoint>``); it is how a datastore points at an
emulator such as Azurite (``http://127.0.0.1:10000/devstoreaccount1``) or a private endpoint.

Credentials travel only in ``DatastoreCreate`` (``SecretValue``: masked in reprs, in clear only
in wire JSON); the service stores them in the vault and a ``Datastore`` shows them masked.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from basalt.spec.common import Entity, KeyValues, Name, SpecModel
from basalt.spec.secrets import SecretValue

DEFAULT_DATASTORE = "workspaceblobstore"
"""The default datastore: a folder of the workspace's artifact store."""

ARTIFACT_DATASTORE = "workspaceartifactstore"
"""The second built-in datastore (Azure ML's name for where run artifacts go)."""

BUILTIN_DATASTORES = (DEFAULT_DATASTORE, ARTIFACT_DATASTORE)

MASK = "****"
"""What a credential value looks like in a response."""

AZURE_ENDPOINT = "core.windows.net"


class DatastoreType(StrEnum):
    """Kinds of datastore."""

    AZURE_BLOB = "azure_blob"
    AZURE_DATA_LAKE_GEN2 = "azure_data_lake_gen2"
    S3 = "s3"
    LOCAL = "local"
    ARTIFACT_STORE = "artifact_store"  # the built-ins; cannot be created


class CredentialType(StrEnum):
    """Which kind of credential the vault holds for a datastore."""

    NONE = "none"
    ACCOUNT_KEY = "account_key"
    SAS = "sas"
    SERVICE_PRINCIPAL = "service_principal"
    ACCESS_KEY = "access_key"


class DatastoreCredentials(SpecModel):
    """Credentials of any datastore type; which fields fit depends on the type."""

    account_key: SecretValue | None = None
    sas_token: SecretValue | None = None
    tenant_id: SecretValue | None = None
    client_id: SecretValue | None = None
    client_secret: SecretValue | None = None
    access_key_id: SecretValue | None = None
    secret_access_key: SecretValue | None = None


class DatastoreCreate(SpecModel):
    """Body of a datastore's creation (what a datastore YAML file becomes)."""

    name: Name
    type: DatastoreType
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    account_name: str | None = None
    container_name: str | None = None
    filesystem: str | None = None
    endpoint: str | None = None
    protocol: str | None = None
    account_url: str | None = Field(
        default=None, description="Basalt: the full account URL (emulators, private endpoints)."
    )
    bucket: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    path: str | None = Field(default=None, description="The folder of a local datastore.")
    credentials: DatastoreCredentials | None = None
    skip_validation: bool = Field(
        default=False, description="Do not check the credentials with a request on creation."
    )
    created_by: str | None = None


class Datastore(Entity):
    """One datastore; ``credentials`` names the fields the vault holds, values masked."""

    name: str
    type: DatastoreType
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    account_name: str | None = None
    container_name: str | None = None
    filesystem: str | None = None
    endpoint: str | None = None
    protocol: str | None = None
    account_url: str | None = None
    bucket: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    path: str | None = None
    credential_type: CredentialType = CredentialType.NONE
    credentials: dict[str, str] = Field(
        default_factory=dict, description="Credential fields, each shown as '****'."
    )
    is_default: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None


# --- YAML shapes, one per type (unknown keys are errors with file:line) ---------------------


class _YamlBase(SpecModel):
    schema_: str | None = Field(default=None, alias="$schema")
    name: Name
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class AccountKeyCredentials(SpecModel):
    """``credentials: {account_key: ...}``."""

    account_key: SecretValue


class SasCredentials(SpecModel):
    """``credentials: {sas_token: ...}``."""

    sas_token: SecretValue


class ServicePrincipalCredentials(SpecModel):
    """``credentials: {tenant_id, client_id, client_secret}`` (Microsoft Entra ID)."""

    tenant_id: SecretValue
    client_id: SecretValue
    client_secret: SecretValue


class S3Credentials(SpecModel):
    """``credentials: {access_key_id, secret_access_key}``."""

    access_key_id: SecretValue
    secret_access_key: SecretValue


class AzureBlobYaml(_YamlBase):
    """``type: azure_blob``."""

    type: Literal["azure_blob"]
    account_name: str
    container_name: str
    endpoint: str = AZURE_ENDPOINT
    protocol: Literal["https", "http", "wasbs", "wasb"] = "https"
    account_url: str | None = None
    credentials: AccountKeyCredentials | SasCredentials | None = None


class AzureDataLakeGen2Yaml(_YamlBase):
    """``type: azure_data_lake_gen2``."""

    type: Literal["azure_data_lake_gen2"]
    account_name: str
    filesystem: str
    endpoint: str = AZURE_ENDPOINT
    protocol: Literal["https", "http", "abfss", "abfs"] = "https"
    account_url: str | None = None
    credentials: ServicePrincipalCredentials | AccountKeyCredentials | None = None


class S3Yaml(_YamlBase):
    """``type: s3`` (Basalt): S3-compatible object storage."""

    type: Literal["s3"]
    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    credentials: S3Credentials | None = None


class LocalYaml(_YamlBase):
    """``type: local`` (Basalt): a folder on the server's machine."""

    type: Literal["local"]
    path: str


DATASTORE_YAML: dict[str, type[_YamlBase]] = {
    "azure_blob": AzureBlobYaml,
    "azure_data_lake_gen2": AzureDataLakeGen2Yaml,
    "s3": S3Yaml,
    "local": LocalYaml,
}
"""The YAML model of each datastore type that can be created."""
