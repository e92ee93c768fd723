"""Online endpoints and their deployments: wire models in Azure ML's shapes.

An *endpoint* is a stable scoring address with keys and a traffic split; a *deployment* is one
model + scoring code + environment behind it, run as ``instance_count`` worker processes. The
control plane (``services/endpoints.py``, ``services/deployments.py``) keeps the records; the
data plane (supervisor and gateway) reads ``DesiredDeployment`` and ``EndpointRouting`` and
reports a ``DeploymentReport`` back. See docs/dev/endpoints-design.md.

Keys are ``SecretValue``: masked in reprs and in ``OnlineEndpoint`` (``"****"``), in clear only
in the JSON of ``EndpointKeys``, which only ``get_credentials`` returns.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from basalt.errors import invalid
from basalt.spec.common import JSON, Entity, KeyValues, Name, SpecModel
from basalt.spec.models import ModelFile, ModelType
from basalt.spec.secrets import SecretValue

ENDPOINT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json"
DEPLOYMENT_SCHEMA = (
    "https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json"
)
MASK = "****"
"""What a key looks like anywhere but ``get_credentials``."""

DEPLOYMENT_HEADER = "azureml-model-deployment"
"""The request header naming one deployment, and the response header naming the one that served."""

_RESOURCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,31}$")


def check_resource_name(value: str, what: str) -> str:
    """Endpoint and deployment names, as Azure ML allows them (they appear in URLs).

    Raises:
        InvalidArgumentError: Not 2-32 letters, digits and ``-``, starting with a letter.
    """
    if not isinstance(value, str) or not _RESOURCE_NAME.match(value):
        raise invalid(
            "name",
            f"{what} name {value!r} must be 2 to 32 letters, digits and '-', starting with a "
            "letter (it appears in the scoring URL)",
        )
    return value


def hash_key(key: str) -> str:
    """The SHA-256 (hex) of an endpoint key, as the endpoint's row keeps it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_matches(presented: str, hashes: Sequence[str]) -> bool:
    """Whether ``presented`` is the key behind one of ``hashes``.

    NOTE: every hash is compared, each in constant time, so timing says nothing about which
    key (or how much of one) matched.
    """
    digest = hash_key(presented)
    found = False
    for expected in hashes:
        found |= hmac.compare_digest(digest, expected)
    return found


class AuthMode(StrEnum):
    """How callers of the scoring address authenticate."""

    KEY = "key"
    AML_TOKEN = "aml_token"  # noqa: S105 - a mode name, not a password


class ProvisioningState(StrEnum):
    """A deployment's (or endpoint's) state, named as Azure ML names them."""

    CREATING = "Creating"
    UPDATING = "Updating"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    DELETING = "Deleting"


def _auth_mode(value: Any) -> Any:
    # NOTE: Azure's aad_token (Entra ID) has no local meaning; a workspace token is the nearest.
    return AuthMode.AML_TOKEN.value if value == "aad_token" else value


# --- endpoints ----------------------------------------------------------------------------------


class OnlineEndpointCreate(SpecModel):
    """Body of an endpoint's creation (what ``endpoint.yml`` becomes)."""

    name: str
    auth_mode: AuthMode = AuthMode.KEY
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    traffic: dict[str, int] | None = Field(
        default=None, description="Percent of live traffic per deployment (summing to 100)."
    )
    mirror_traffic: dict[str, int] | None = Field(
        default=None, description="Percent of requests copied to one shadow deployment."
    )
    created_by: str | None = None

    _mode = field_validator("auth_mode", mode="before")(_auth_mode)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_resource_name(value, "Endpoint")


class OnlineEndpointUpdate(SpecModel):
    """A partial update of an endpoint: only the fields sent change."""

    auth_mode: AuthMode | None = None
    description: str | None = None
    tags: KeyValues | None = None
    traffic: dict[str, int] | None = None
    mirror_traffic: dict[str, int] | None = None

    _mode = field_validator("auth_mode", mode="before")(_auth_mode)


class OnlineEndpoint(Entity):
    """One endpoint; ``keys`` are always masked here (see ``get_credentials``)."""

    name: str
    auth_mode: AuthMode
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    traffic: dict[str, int] = Field(default_factory=dict)
    mirror_traffic: dict[str, int] = Field(default_factory=dict)
    provisioning_state: ProvisioningState = ProvisioningState.SUCCEEDED
    scoring_uri: str = Field(description="Where to POST requests (path, or URL when known).")
    keys: dict[str, str] = Field(
        default_factory=dict, description="primary_key and secondary_key, shown as '****'."
    )
    deployments: list[str] = Field(default_factory=list)
    generation: int = Field(default=1, description="Bumped by every change the gateway sees.")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None


class EndpointKeys(Entity):
    """An endpoint's two keys in clear (``get_credentials`` only)."""

    primary_key: SecretValue
    secondary_key: SecretValue


class KeyRegenerate(SpecModel):
    """Body of ``regenerate_keys``: which key to replace (the other keeps working)."""

    key_type: Literal["primary", "secondary"] = "primary"


class EndpointRouting(SpecModel):
    """What the gateway needs for one endpoint: weights and key hashes, never keys."""

    workspace: str
    endpoint: str
    generation: int
    auth_mode: AuthMode
    traffic: dict[str, int] = Field(default_factory=dict)
    mirror_traffic: dict[str, int] = Field(default_factory=dict)
    key_hashes: list[str] = Field(
        default_factory=list, description="SHA-256 (hex) of the primary and the secondary key."
    )
    deployments: dict[str, ProvisioningState] = Field(default_factory=dict)


class InvokeRequest(SpecModel):
    """Body of ``invoke``: the scoring request as text, and optionally one deployment."""

    body: str
    deployment_name: str | None = None


class InvokeResponse(Entity):
    """What the scoring host answered."""

    status_code: int
    body: str
    deployment: str | None = None
    request_id: str | None = None


# --- deployments --------------------------------------------------------------------------------


class CodeConfiguration(SpecModel):
    """Where the scoring script lives: ``code`` (a local folder) and the script inside it."""

    code: str | None = None
    scoring_script: str


class RequestSettings(SpecModel):
    """Per-request limits of a deployment (Azure ML's defaults)."""

    request_timeout_ms: int = Field(default=5000, ge=1, le=180_000)
    max_concurrent_requests_per_instance: int = Field(default=1, ge=1, le=1000)
    max_queue_wait_ms: int = Field(default=500, ge=0, le=180_000)


class ProbeSettings(SpecModel):
    """A liveness or readiness probe, in seconds (local defaults: checked every second)."""

    initial_delay: int = Field(default=0, ge=0)
    period: int = Field(default=1, ge=1)
    timeout: int = Field(default=2, ge=1)
    failure_threshold: int = Field(default=30, ge=1)
    success_threshold: int = Field(default=1, ge=1)


class InlineModel(SpecModel):
    """A model given by path in the deployment (``model: {path: ...}``); registered on deploy."""

    path: str
    name: Name | None = None
    version: str | None = None
    type: ModelType = ModelType.CUSTOM
    description: str = ""
    files: list[ModelFile] | None = Field(
        default=None, description="The uploaded files of the local path (set by the SDK)."
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class _DeploymentSettings(SpecModel):
    """The settings a deployment's update may change without new model or code."""

    description: str | None = None
    tags: KeyValues | None = None
    instance_count: int | None = Field(default=None, ge=1, le=64)
    instance_type: str | None = None
    environment_variables: dict[str, str] | None = None
    request_settings: RequestSettings | None = None
    liveness_probe: ProbeSettings | None = None
    readiness_probe: ProbeSettings | None = None
    app_insights_enabled: bool | None = None
    data_collector: dict[str, JSON] | None = None


class OnlineDeploymentCreate(SpecModel):
    """Body of a deployment's creation or replacement (what ``blue-deployment.yml`` becomes).

    ``model`` is a reference (``azureml:name:version``, ``name@latest``, ``name@<label>``) or an
    ``InlineModel``; ``code_configuration.code`` is a local folder whose files the SDK uploads
    first and lists in ``code_files``; ``environment`` is a reference or an inline spec.
    """

    name: str
    endpoint_name: str
    model: str | InlineModel | None = None
    code_configuration: CodeConfiguration | None = None
    code_files: list[ModelFile] | None = Field(
        default=None, description="The uploaded files of the code folder (set by the SDK)."
    )
    environment: str | dict[str, JSON] | None = None
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    instance_count: int = Field(default=1, ge=1, le=64)
    instance_type: str | None = Field(default=None, description="Recorded; not used locally.")
    environment_variables: dict[str, str] = Field(default_factory=dict)
    request_settings: RequestSettings = Field(default_factory=RequestSettings)
    liveness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    readiness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    app_insights_enabled: bool = False
    data_collector: dict[str, JSON] | None = Field(default=None, description="Recorded.")
    all_traffic: bool = Field(
        default=False, description="Basalt: send all of the endpoint's traffic here once created."
    )
    created_by: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_resource_name(value, "Deployment")

    @model_validator(mode="after")
    def _code(self) -> OnlineDeploymentCreate:
        if self.code_configuration is None and self.code_files:
            raise ValueError("code_files were sent without a code_configuration")
        return self


class OnlineDeploymentUpdate(_DeploymentSettings):
    """A partial update of a deployment's settings; model, code and environment stay."""


class OnlineDeployment(Entity):
    """One deployment as recorded, with what it resolved to and its observed state."""

    name: str
    endpoint_name: str
    model: str | None = Field(default=None, description="The registered model: name:version.")
    model_type: ModelType | None = None
    code_configuration: CodeConfiguration | None = None
    code_files: int = Field(default=0, description="How many code files were stored.")
    environment: str = Field(default="none", description="What the environment resolved to.")
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    instance_count: int = 1
    instance_type: str | None = None
    environment_variables: dict[str, str] = Field(default_factory=dict)
    request_settings: RequestSettings = Field(default_factory=RequestSettings)
    liveness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    readiness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    app_insights_enabled: bool = False
    data_collector: dict[str, JSON] | None = None
    provisioning_state: ProvisioningState = ProvisioningState.CREATING
    error: str | None = Field(default=None, description="Why it failed (init's traceback).")
    generation: int = Field(default=1, description="Bumped by every create and update.")
    observed_generation: int = Field(
        default=0, description="The generation the serving host last reported on."
    )
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None


class DeploymentLogs(Entity):
    """The workers' console output (``get-logs``), newest lines last."""

    endpoint_name: str
    deployment_name: str
    text: str


class DesiredDeployment(SpecModel):
    """What the supervisor should run for one deployment (``DeploymentService.desired``).

    ``folder`` is ``<state>/deployments/<ws>/<endpoint>/<deployment>/<generation>/``;
    ``DeploymentService.prepare_folder`` fills it (``model/`` and ``code/``) and is idempotent.
    ``model_dir`` is what ``AZUREML_MODEL_DIR`` must be; ``code_dir`` the workers' cwd.
    """

    workspace: str
    endpoint: str
    deployment: str
    generation: int
    folder: str
    model_dir: str
    model_path: str = Field(description="The model's own folder (or file) inside model_dir.")
    code_dir: str
    log_dir: str = Field(description="Where worker i writes its console: worker-<i>.log.")
    scoring_script: str | None = Field(
        default=None, description="Relative to code_dir; None for a no-code (MLflow) model."
    )
    model: str | None = None
    model_type: ModelType | None = None
    environment: str = "none"
    environment_spec: dict[str, JSON] = Field(
        default_factory=dict, description="The resolved EnvironmentSpec (JSON)."
    )
    instance_count: int = 1
    environment_variables: dict[str, str] = Field(default_factory=dict)
    request_settings: RequestSettings = Field(default_factory=RequestSettings)
    liveness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    readiness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    data_collector: dict[str, JSON] | None = None
    provisioning_state: ProvisioningState = ProvisioningState.CREATING


class DeploymentReport(SpecModel):
    """The supervisor's observation of one generation of a deployment."""

    generation: int
    state: ProvisioningState
    error: str | None = None
