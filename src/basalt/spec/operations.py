"""The API's operations: one name, HTTP method, path and response type each.

Server routes register at these paths, the HTTP transport calls them, and the in-process
transport dispatches the same names to services, so the three cannot drift apart silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter

from basalt.spec.assets import AssetLabelSet, AssetListQuery, AssetUpdate
from basalt.spec.auth import AuditEvent, Member, Token, TokenCreated, User
from basalt.spec.batch_endpoints import BatchDeployment, BatchEndpoint, BatchJobProgress
from basalt.spec.common import Page
from basalt.spec.components import (
    Component,
    ComponentLabelSet,
    ComponentListQuery,
    ComponentUpdate,
)
from basalt.spec.compute import Compute
from basalt.spec.data import Data, DataLabelSet, DataListQuery, DataUpdate
from basalt.spec.datastores import Datastore
from basalt.spec.deployment_package import DeploymentPackage
from basalt.spec.endpoints import (
    DeploymentLogs,
    EndpointKeys,
    InvokeResponse,
    OnlineDeployment,
    OnlineEndpoint,
)
from basalt.spec.environments import (
    DockerContext,
    Environment,
    EnvironmentBuild,
    EnvironmentLabelSet,
    EnvironmentListQuery,
    EnvironmentUpdate,
)
from basalt.spec.experiments import Experiment
from basalt.spec.gc import GcReport
from basalt.spec.job_requests import LogChunk
from basalt.spec.lineage import LineageGraph
from basalt.spec.models import (
    BlobStored,
    Model,
    ModelComparison,
    ModelFile,
    ModelLabelSet,
    ModelListQuery,
    ModelUpdate,
)
from basalt.spec.registry_events import (
    DeliveryReport,
    RegistryEvent,
    Webhook,
    WebhookCreated,
    WebhookDelivery,
)
from basalt.spec.runs import ArtifactFile, LogBatchResult, MetricSeries, Run
from basalt.spec.secrets import KeyRotation, Secret, SecretReveal
from basalt.spec.telemetry import DeploymentMetrics
from basalt.spec.workspaces import Workspace

API_PREFIX = "/api/v1"
API_VERSION = 1
WS = f"{API_PREFIX}/workspaces/{{workspace}}"


@dataclass(frozen=True)
class Operation:
    """One API operation."""

    name: str
    method: str
    path: str
    response: TypeAdapter[Any] | None = field(default=None, compare=False)

    def url(self, params: dict[str, str]) -> str:
        """The path with its parameters filled in (URL-quoted)."""
        from urllib.parse import quote

        # NOTE: quote "/" too, so an artifact path such as "../x" cannot be resolved away by the
        # HTTP client before the server gets to refuse it.
        return self.path.format(**{k: quote(v, safe="") for k, v in params.items()})


@dataclass(frozen=True)
class AssetOps:
    """The operations every versioned-asset kind shares, and the types they carry.

    Each layer registers these once for every kind (routes, in-process handlers, SDK verbs).
    """

    get: Operation
    search: Operation
    update: Operation
    archive: Operation
    restore: Operation
    set_label: Operation
    entity: type[BaseModel]
    list_query: type[AssetListQuery]
    update_body: type[AssetUpdate]
    label_body: type[AssetLabelSet]
    delete: Operation | None = None
    """Delete an archived version (None: the kind has no delete yet)."""

    @property
    def kind(self) -> str:
        """The kind's operation prefix (``models``, ``data``, ``environments``)."""
        return self.get.name.split(".", 1)[0]


def _op(name: str, method: str, path: str, response: Any = None) -> Operation:
    return Operation(name, method, path, TypeAdapter(response) if response is not None else None)


WORKSPACES_LIST = _op("workspaces.list", "GET", f"{API_PREFIX}/workspaces", list[Workspace])
WORKSPACES_CREATE = _op("workspaces.create", "POST", f"{API_PREFIX}/workspaces", Workspace)
WORKSPACES_GET = _op("workspaces.get", "GET", WS, Workspace)

EXPERIMENTS_LIST = _op("experiments.list", "GET", f"{WS}/experiments", Page[Experiment])
EXPERIMENTS_CREATE = _op("experiments.create", "POST", f"{WS}/experiments", Experiment)
EXPERIMENTS_GET = _op("experiments.get", "GET", f"{WS}/experiments/{{name}}", Experiment)

RUNS_CREATE = _op("runs.create", "POST", f"{WS}/runs", Run)
RUNS_SEARCH = _op("runs.search", "POST", f"{WS}/runs/search", Page[Run])
RUNS_GET = _op("runs.get", "GET", f"{WS}/runs/{{name}}", Run)
RUNS_UPDATE = _op("runs.update", "PATCH", f"{WS}/runs/{{name}}", Run)
RUNS_ARCHIVE = _op("runs.archive", "POST", f"{WS}/runs/{{name}}/archive", Run)
RUNS_RESTORE = _op("runs.restore", "POST", f"{WS}/runs/{{name}}/restore", Run)
RUNS_LOG_BATCH = _op("runs.log_batch", "POST", f"{WS}/runs/{{name}}/log-batch", LogBatchResult)
RUNS_DELETE_TAG = _op("runs.delete_tag", "DELETE", f"{WS}/runs/{{name}}/tags/{{key}}")
RUNS_METRIC_HISTORY = _op(
    "runs.metric_history", "GET", f"{WS}/runs/{{name}}/metrics/{{key}}", MetricSeries
)
RUNS_FILES_LIST = _op("runs.files_list", "GET", f"{WS}/runs/{{name}}/files", list[ArtifactFile])
RUNS_FILE_PUT = _op("runs.file_put", "PUT", f"{WS}/runs/{{name}}/files/{{path}}", ArtifactFile)
RUNS_FILE_GET = _op("runs.file_get", "GET", f"{WS}/runs/{{name}}/files/{{path}}")
RUNS_SNAPSHOT_LIST = _op(
    "runs.snapshot_list", "GET", f"{WS}/runs/{{name}}/snapshot", list[ModelFile]
)
RUNS_SNAPSHOT_GET = _op("runs.snapshot_get", "GET", f"{WS}/runs/{{name}}/snapshot/{{path}}")

# NOTE: a secret's value travels only in the body of SECRETS_SET and the response of
# SECRETS_GET_VALUE; every other secret operation carries names and metadata.
SECRETS_LIST = _op("secrets.list", "GET", f"{WS}/secrets", list[Secret])
SECRETS_SET = _op("secrets.set", "PUT", f"{WS}/secrets/{{name}}", Secret)
SECRETS_GET = _op("secrets.get", "GET", f"{WS}/secrets/{{name}}", Secret)
SECRETS_GET_VALUE = _op("secrets.get_value", "GET", f"{WS}/secrets/{{name}}/value", SecretReveal)
SECRETS_DELETE = _op("secrets.delete", "DELETE", f"{WS}/secrets/{{name}}")
VAULT_ROTATE_KEY = _op("vault.rotate_key", "POST", f"{API_PREFIX}/vault/rotate-key", KeyRotation)

MODELS = f"{WS}/models"
MODEL_VERSION = f"{MODELS}/{{name}}/versions/{{version}}"
MODELS_BLOBS_MISSING = _op("models.blobs_missing", "POST", f"{MODELS}/blobs/missing", list[str])
MODELS_BLOB_PUT = _op("models.blob_put", "PUT", f"{MODELS}/blobs/{{sha256}}", BlobStored)
MODELS_CREATE = _op("models.create", "POST", MODELS, Model)
MODELS_SEARCH = _op("models.search", "POST", f"{MODELS}/search", Page[Model])
MODELS_GET = _op("models.get", "GET", f"{MODELS}/{{name}}", Model)
MODELS_UPDATE = _op("models.update", "PATCH", MODEL_VERSION, Model)
MODELS_ARCHIVE = _op("models.archive", "POST", f"{MODEL_VERSION}/archive", Model)
MODELS_RESTORE = _op("models.restore", "POST", f"{MODEL_VERSION}/restore", Model)
MODELS_COMPARE = _op("models.compare", "GET", f"{MODELS}/{{name}}/compare", ModelComparison)
MODELS_DELETE = _op("models.delete", "DELETE", MODEL_VERSION)
MODELS_SET_LABEL = _op("models.set_label", "PUT", f"{MODELS}/{{name}}/labels/{{label}}", Model)
MODELS_FILES_LIST = _op("models.files_list", "GET", f"{MODEL_VERSION}/files", list[ModelFile])
MODELS_FILE_GET = _op("models.file_get", "GET", f"{MODEL_VERSION}/files/{{path}}")

# NOTE: data uploads reuse MODELS_BLOBS_MISSING / MODELS_BLOB_PUT: the blobs are one shared,
# content-addressed store, so a second pair of blob operations would add nothing.
DATA = f"{WS}/data"
DATA_VERSION = f"{DATA}/{{name}}/versions/{{version}}"
DATA_CREATE = _op("data.create", "POST", DATA, Data)
DATA_SEARCH = _op("data.search", "POST", f"{DATA}/search", Page[Data])
DATA_GET = _op("data.get", "GET", f"{DATA}/{{name}}", Data)
DATA_UPDATE = _op("data.update", "PATCH", DATA_VERSION, Data)
DATA_ARCHIVE = _op("data.archive", "POST", f"{DATA_VERSION}/archive", Data)
DATA_RESTORE = _op("data.restore", "POST", f"{DATA_VERSION}/restore", Data)
DATA_DELETE = _op("data.delete", "DELETE", DATA_VERSION)
DATA_SET_LABEL = _op("data.set_label", "PUT", f"{DATA}/{{name}}/labels/{{label}}", Data)
DATA_FILES = _op("data.files", "GET", f"{DATA_VERSION}/files", list[ModelFile])
DATA_FILE_GET = _op("data.file_get", "GET", f"{DATA_VERSION}/files/{{path}}")

ENVIRONMENTS = f"{WS}/environments"
ENVIRONMENT_VERSION = f"{ENVIRONMENTS}/{{name}}/versions/{{version}}"
ENVIRONMENTS_CREATE = _op("environments.create", "POST", ENVIRONMENTS, Environment)
ENVIRONMENTS_SEARCH = _op(
    "environments.search", "POST", f"{ENVIRONMENTS}/search", Page[Environment]
)
ENVIRONMENTS_GET = _op("environments.get", "GET", f"{ENVIRONMENTS}/{{name}}", Environment)
ENVIRONMENTS_UPDATE = _op("environments.update", "PATCH", ENVIRONMENT_VERSION, Environment)
ENVIRONMENTS_ARCHIVE = _op(
    "environments.archive", "POST", f"{ENVIRONMENT_VERSION}/archive", Environment
)
ENVIRONMENTS_RESTORE = _op(
    "environments.restore", "POST", f"{ENVIRONMENT_VERSION}/restore", Environment
)
ENVIRONMENTS_DELETE = _op("environments.delete", "DELETE", ENVIRONMENT_VERSION)
ENVIRONMENTS_SET_LABEL = _op(
    "environments.set_label", "PUT", f"{ENVIRONMENTS}/{{name}}/labels/{{label}}", Environment
)

MODELS_ASSET = AssetOps(
    MODELS_GET,
    MODELS_SEARCH,
    MODELS_UPDATE,
    MODELS_ARCHIVE,
    MODELS_RESTORE,
    MODELS_SET_LABEL,
    Model,
    ModelListQuery,
    ModelUpdate,
    ModelLabelSet,
    delete=MODELS_DELETE,
)
DATA_ASSET = AssetOps(
    DATA_GET,
    DATA_SEARCH,
    DATA_UPDATE,
    DATA_ARCHIVE,
    DATA_RESTORE,
    DATA_SET_LABEL,
    Data,
    DataListQuery,
    DataUpdate,
    DataLabelSet,
    delete=DATA_DELETE,
)
ENVIRONMENTS_ASSET = AssetOps(
    ENVIRONMENTS_GET,
    ENVIRONMENTS_SEARCH,
    ENVIRONMENTS_UPDATE,
    ENVIRONMENTS_ARCHIVE,
    ENVIRONMENTS_RESTORE,
    ENVIRONMENTS_SET_LABEL,
    Environment,
    EnvironmentListQuery,
    EnvironmentUpdate,
    EnvironmentLabelSet,
    delete=ENVIRONMENTS_DELETE,
)

# NOTE: component code uploads reuse MODELS_BLOBS_MISSING / MODELS_BLOB_PUT (one blob store).
COMPONENTS = f"{WS}/components"
COMPONENT_VERSION = f"{COMPONENTS}/{{name}}/versions/{{version}}"
COMPONENTS_CREATE = _op("components.create", "POST", COMPONENTS, Component)
COMPONENTS_SEARCH = _op("components.search", "POST", f"{COMPONENTS}/search", Page[Component])
COMPONENTS_GET = _op("components.get", "GET", f"{COMPONENTS}/{{name}}", Component)
COMPONENTS_UPDATE = _op("components.update", "PATCH", COMPONENT_VERSION, Component)
COMPONENTS_ARCHIVE = _op("components.archive", "POST", f"{COMPONENT_VERSION}/archive", Component)
COMPONENTS_RESTORE = _op("components.restore", "POST", f"{COMPONENT_VERSION}/restore", Component)
COMPONENTS_SET_LABEL = _op(
    "components.set_label", "PUT", f"{COMPONENTS}/{{name}}/labels/{{label}}", Component
)
COMPONENTS_DELETE = _op("components.delete", "DELETE", COMPONENT_VERSION)
COMPONENTS_FILES = _op("components.files", "GET", f"{COMPONENT_VERSION}/files", list[ModelFile])
COMPONENTS_FILE_GET = _op("components.file_get", "GET", f"{COMPONENT_VERSION}/files/{{path}}")
COMPONENTS_ASSET = AssetOps(
    COMPONENTS_GET,
    COMPONENTS_SEARCH,
    COMPONENTS_UPDATE,
    COMPONENTS_ARCHIVE,
    COMPONENTS_RESTORE,
    COMPONENTS_SET_LABEL,
    Component,
    ComponentListQuery,
    ComponentUpdate,
    ComponentLabelSet,
    delete=COMPONENTS_DELETE,
)

DATASTORES = f"{WS}/datastores"
DATASTORES_LIST = _op("datastores.list", "GET", DATASTORES, list[Datastore])
DATASTORES_CREATE = _op("datastores.create", "POST", DATASTORES, Datastore)
DATASTORES_PUT = _op("datastores.put", "PUT", f"{DATASTORES}/{{name}}", Datastore)
DATASTORES_GET = _op("datastores.get", "GET", f"{DATASTORES}/{{name}}", Datastore)
DATASTORES_DELETE = _op("datastores.delete", "DELETE", f"{DATASTORES}/{{name}}")

# Online endpoints (control plane); scoring itself goes through the gateway, not this API.
ENDPOINTS = f"{WS}/online-endpoints"
ENDPOINT = f"{ENDPOINTS}/{{name}}"
ENDPOINTS_LIST = _op("endpoints.list", "GET", ENDPOINTS, list[OnlineEndpoint])
ENDPOINTS_CREATE = _op("endpoints.create", "POST", ENDPOINTS, OnlineEndpoint)
ENDPOINTS_PUT = _op("endpoints.put", "PUT", ENDPOINT, OnlineEndpoint)
ENDPOINTS_GET = _op("endpoints.get", "GET", ENDPOINT, OnlineEndpoint)
ENDPOINTS_UPDATE = _op("endpoints.update", "PATCH", ENDPOINT, OnlineEndpoint)
ENDPOINTS_DELETE = _op("endpoints.delete", "DELETE", ENDPOINT)
ENDPOINTS_GET_KEYS = _op("endpoints.get_keys", "POST", f"{ENDPOINT}/list-keys", EndpointKeys)
ENDPOINTS_REGENERATE_KEYS = _op(
    "endpoints.regenerate_keys", "POST", f"{ENDPOINT}/regenerate-keys", OnlineEndpoint
)
ENDPOINTS_INVOKE = _op("endpoints.invoke", "POST", f"{ENDPOINT}/invoke", InvokeResponse)
DEPLOYMENTS = f"{ENDPOINTS}/{{endpoint}}/deployments"
DEPLOYMENT = f"{DEPLOYMENTS}/{{name}}"
DEPLOYMENTS_LIST = _op("deployments.list", "GET", DEPLOYMENTS, list[OnlineDeployment])
DEPLOYMENTS_CREATE = _op("deployments.create", "POST", DEPLOYMENTS, OnlineDeployment)
DEPLOYMENTS_PUT = _op("deployments.put", "PUT", DEPLOYMENT, OnlineDeployment)
DEPLOYMENTS_GET = _op("deployments.get", "GET", DEPLOYMENT, OnlineDeployment)
DEPLOYMENTS_UPDATE = _op("deployments.update", "PATCH", DEPLOYMENT, OnlineDeployment)
DEPLOYMENTS_DELETE = _op("deployments.delete", "DELETE", DEPLOYMENT)
DEPLOYMENTS_LOGS = _op("deployments.logs", "GET", f"{DEPLOYMENT}/logs", DeploymentLogs)
DEPLOYMENTS_METRICS = _op("deployments.metrics", "GET", f"{DEPLOYMENT}/metrics", DeploymentMetrics)
DEPLOYMENTS_PACKAGE = _op("deployments.package", "GET", f"{DEPLOYMENT}/package", DeploymentPackage)
DEPLOYMENTS_CODE_FILE = _op("deployments.code_file", "GET", f"{DEPLOYMENT}/code/{{path}}")

# Batch endpoints: invoke starts a scoring job (a run, shown by the jobs operations too).
BATCH_ENDPOINTS = f"{WS}/batch-endpoints"
BATCH_ENDPOINT = f"{BATCH_ENDPOINTS}/{{name}}"
BATCH_ENDPOINTS_LIST = _op("batch_endpoints.list", "GET", BATCH_ENDPOINTS, list[BatchEndpoint])
BATCH_ENDPOINTS_CREATE = _op("batch_endpoints.create", "POST", BATCH_ENDPOINTS, BatchEndpoint)
BATCH_ENDPOINTS_PUT = _op("batch_endpoints.put", "PUT", BATCH_ENDPOINT, BatchEndpoint)
BATCH_ENDPOINTS_GET = _op("batch_endpoints.get", "GET", BATCH_ENDPOINT, BatchEndpoint)
BATCH_ENDPOINTS_UPDATE = _op("batch_endpoints.update", "PATCH", BATCH_ENDPOINT, BatchEndpoint)
BATCH_ENDPOINTS_DELETE = _op("batch_endpoints.delete", "DELETE", BATCH_ENDPOINT)
BATCH_ENDPOINTS_INVOKE = _op("batch_endpoints.invoke", "POST", f"{BATCH_ENDPOINT}/invoke", Run)
BATCH_ENDPOINTS_JOBS = _op(
    "batch_endpoints.list_jobs", "GET", f"{BATCH_ENDPOINT}/jobs", list[BatchJobProgress]
)
BATCH_DEPLOYMENTS = f"{BATCH_ENDPOINTS}/{{endpoint}}/deployments"
BATCH_DEPLOYMENT = f"{BATCH_DEPLOYMENTS}/{{name}}"
BATCH_DEPLOYMENTS_LIST = _op(
    "batch_deployments.list", "GET", BATCH_DEPLOYMENTS, list[BatchDeployment]
)
BATCH_DEPLOYMENTS_CREATE = _op(
    "batch_deployments.create", "POST", BATCH_DEPLOYMENTS, BatchDeployment
)
BATCH_DEPLOYMENTS_PUT = _op("batch_deployments.put", "PUT", BATCH_DEPLOYMENT, BatchDeployment)
BATCH_DEPLOYMENTS_GET = _op("batch_deployments.get", "GET", BATCH_DEPLOYMENT, BatchDeployment)
BATCH_DEPLOYMENTS_UPDATE = _op(
    "batch_deployments.update", "PATCH", BATCH_DEPLOYMENT, BatchDeployment
)
BATCH_DEPLOYMENTS_DELETE = _op("batch_deployments.delete", "DELETE", BATCH_DEPLOYMENT)

COMPUTES = f"{WS}/computes"
COMPUTES_LIST = _op("computes.list", "GET", COMPUTES, list[Compute])
COMPUTES_CREATE = _op("computes.create", "POST", COMPUTES, Compute)
COMPUTES_GET = _op("computes.get", "GET", f"{COMPUTES}/{{name}}", Compute)
COMPUTES_UPDATE = _op("computes.update", "PATCH", f"{COMPUTES}/{{name}}", Compute)
COMPUTES_DELETE = _op("computes.delete", "DELETE", f"{COMPUTES}/{{name}}")

HEALTH = _op("health", "GET", "/healthz", dict[str, Any])

JOBS = f"{WS}/jobs"
JOBS_CREATE = _op("jobs.create", "POST", JOBS, Run)
JOBS_CANCEL = _op("jobs.cancel", "POST", f"{JOBS}/{{name}}/cancel", Run)
JOBS_DELETE = _op("jobs.delete", "DELETE", f"{JOBS}/{{name}}")
JOBS_LOGS = _op("jobs.logs", "GET", f"{JOBS}/{{name}}/logs", LogChunk)
ENVIRONMENTS_BUILD = _op(
    "environments.build", "POST", f"{ENVIRONMENTS}/{{name}}/build", EnvironmentBuild
)
ENVIRONMENTS_DOCKERFILE = _op(
    "environments.dockerfile", "GET", f"{ENVIRONMENTS}/{{name}}/dockerfile", DockerContext
)

# Storage housekeeping, server-wide: administrators only (spec/auth.py).
GC_RUN = _op("gc.run", "POST", f"{API_PREFIX}/gc", GcReport)

# NOTE: the server-wide log is for administrators; a workspace's log is for its Owners.
# NOTE: the name is a query parameter: deployment names hold a "/" (endpoint/deployment).
LINEAGE_GET = _op("lineage.get", "GET", f"{WS}/lineage/{{kind}}", LineageGraph)
EVENTS_LIST = _op("events.list", "GET", f"{WS}/events", list[RegistryEvent])
WEBHOOKS = f"{WS}/webhooks"
WEBHOOKS_LIST = _op("webhooks.list", "GET", WEBHOOKS, list[Webhook])
WEBHOOKS_CREATE = _op("webhooks.create", "POST", WEBHOOKS, WebhookCreated)
WEBHOOKS_GET = _op("webhooks.get", "GET", f"{WEBHOOKS}/{{name}}", Webhook)
WEBHOOKS_DELETE = _op("webhooks.delete", "DELETE", f"{WEBHOOKS}/{{name}}")
WEBHOOKS_DELIVERIES = _op(
    "webhooks.deliveries", "GET", f"{WEBHOOKS}/{{name}}/deliveries", list[WebhookDelivery]
)
WEBHOOKS_DELIVER = _op("webhooks.deliver", "POST", f"{API_PREFIX}/webhooks/deliver", DeliveryReport)

AUDIT_LIST = _op("audit.list", "GET", f"{API_PREFIX}/audit", Page[AuditEvent])
AUDIT_LIST_WORKSPACE = _op("audit.list_workspace", "GET", f"{WS}/audit", Page[AuditEvent])

# Identity and access (server mode): users, tokens, sign-in, memberships.
USERS_LIST = _op("users.list", "GET", f"{API_PREFIX}/users", list[User])
USERS_CREATE = _op("users.create", "POST", f"{API_PREFIX}/users", User)
USERS_DISABLE = _op("users.disable", "POST", f"{API_PREFIX}/users/{{user}}/disable", User)
USERS_ENABLE = _op("users.enable", "POST", f"{API_PREFIX}/users/{{user}}/enable", User)
TOKENS_LIST = _op("tokens.list", "GET", f"{API_PREFIX}/tokens", list[Token])
TOKENS_CREATE = _op("tokens.create", "POST", f"{API_PREFIX}/tokens", TokenCreated)
TOKENS_REVOKE = _op("tokens.revoke", "DELETE", f"{API_PREFIX}/tokens/{{token_id}}", Token)
LOGIN = _op("login", "POST", f"{API_PREFIX}/login", TokenCreated)
ME = _op("me", "GET", f"{API_PREFIX}/me", User)
MEMBERS_LIST = _op("members.list", "GET", f"{WS}/members", list[Member])
MEMBERS_SET = _op("members.set", "PUT", f"{WS}/members/{{user}}", Member)
MEMBERS_REMOVE = _op("members.remove", "DELETE", f"{WS}/members/{{user}}")

PUBLIC_OPERATIONS = frozenset({HEALTH.name, LOGIN.name})
"""Operations that need no credentials."""


def all_operations() -> list[Operation]:
    """Every operation defined in this module."""
    return [v for v in globals().values() if isinstance(v, Operation)]
