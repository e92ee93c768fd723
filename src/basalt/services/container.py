"""The composition root: builds every service from Settings."""

from __future__ import annotations

import logging

from basalt._internal.clock import Clock, SystemClock
from basalt.artifacts import ArtifactStore
from basalt.compute.local import LocalDriver
from basalt.config import DEFAULT_WORKSPACE_NAME, Settings, environ_snapshot, settings_env
from basalt.services.access import AccessService
from basalt.services.asset_uses import AssetUseService
from basalt.services.audit import AuditService
from basalt.services.batch_deployments import BatchDeploymentService
from basalt.services.batch_endpoints import BatchEndpointService
from basalt.services.batch_invoke import BatchInvokeService
from basalt.services.components import ComponentService
from basalt.services.computes import ComputeService
from basalt.services.data import DataService
from basalt.services.data_collection import DataCollectionService
from basalt.services.datastores import DatastoreService
from basalt.services.deployment_metrics import DeploymentMetricsService
from basalt.services.deployment_package import DeploymentPackageService
from basalt.services.deployments import DeploymentService
from basalt.services.endpoints import EndpointService
from basalt.services.environment_builds import EnvironmentBuildService
from basalt.services.environments import EnvironmentService
from basalt.services.experiments import ExperimentService
from basalt.services.gc import GarbageCollector
from basalt.services.identity import IdentityService
from basalt.services.job_deletes import JobDeleteService
from basalt.services.job_prepare import JobPreparer
from basalt.services.job_runs import JobRunService
from basalt.services.jobs import JobService
from basalt.services.lineage import LineageService
from basalt.services.logged_models import LoggedModelService
from basalt.services.model_compare import ModelComparer
from basalt.services.models import ModelService
from basalt.services.oidc import verifier_from_settings
from basalt.services.registry_events import RegistryEventService
from basalt.services.run_snapshots import RunSnapshotService
from basalt.services.runs import RunService
from basalt.services.secrets import SecretService
from basalt.services.vault import Vault
from basalt.services.webhooks import WebhookService
from basalt.services.workspaces import WorkspaceService
from basalt.serving.host import embedded_invoker, ensure_serving, running
from basalt.store.engine import make_engine
from basalt.store.migrate import current_revision, head_revision, upgrade
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)


class Services:
    """Every service, wired to one store and one artifact root.

    Opening applies pending migrations and makes sure the ``default`` workspace exists.

    Args:
        settings: Effective settings (store and artifact URLs).
        clock: Time source; the system clock unless a test passes a FakeClock.
        kick: Run a scheduler pass right after each job submission (so a free slot starts it
            at once instead of at the next pass of a scheduler loop).
        ensure_default: Create the ``default`` workspace if missing (a job's runner skips it).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        kick: bool = True,
        ensure_default: bool = True,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.store_url(), pool_size=settings.store.pool_size)
        upgrade(self.engine)
        self.uow = UnitOfWork(self.engine)
        self.artifacts = ArtifactStore.from_settings(settings.artifacts, settings.artifacts_url())
        self.workspaces = WorkspaceService(self.uow, self.clock)
        self.identity = IdentityService(
            self.uow, self.clock, verifier_from_settings(settings.server.oidc, self.clock)
        )
        self.access = AccessService(self.uow, self.clock)
        self.audit = AuditService(self.uow, self.clock)
        self.experiments = ExperimentService(self.uow, self.clock)
        self.runs = RunService(self.uow, self.clock, self.experiments, self.artifacts)
        self.logged_models = LoggedModelService(self.uow, self.clock, self.runs)
        self.models = ModelService(self.uow, self.clock, self.artifacts, self.runs)
        self.run_snapshots = RunSnapshotService(self.runs, self.models.blobs)
        self.data = DataService(self.uow, self.clock, self.models.blobs, self.runs)
        self.secrets = SecretService(self.uow, self.clock, Vault.from_settings(settings))
        self.registry_events = RegistryEventService(self.uow, self.clock)
        self.lineage = LineageService(self.uow, self.clock)
        self.model_compare = ModelComparer(self.uow, self.models, self.runs)
        self.webhooks = WebhookService(self.uow, self.clock, self.secrets)
        self.datastores = DatastoreService(self.uow, self.clock, self.artifacts, self.secrets)
        self.data.datastores = self.datastores
        self.environments = EnvironmentService(self.uow, self.clock)
        self.computes = ComputeService(
            self.uow, self.clock, in_use=lambda ws, name: self.job_runs.active_on(ws, name)
        )
        self.job_prepare = JobPreparer(
            self.runs,
            self.models,
            self.data,
            self.datastores,
            settings.jobs_dir(),
            settings.envs_dir(),
        )
        self.job_runs = JobRunService(
            self.uow,
            self.clock,
            self.runs,
            self.computes,
            LocalDriver(),
            runner_env=lambda: {**environ_snapshot(), **settings_env(settings)},
            preparer=self.job_prepare,
        )
        self.jobs = JobService(
            self.runs,
            self.computes,
            self.environments,
            self.models,
            self.data,
            self.datastores,
            self.models.blobs,
            kick=self.job_runs.schedule_pass if kick else None,
            secrets=self.secrets,
            lineage=self.lineage,
        )
        self.environment_builds = EnvironmentBuildService(
            self.jobs.resolve_environment, settings.envs_dir()
        )
        self.components = ComponentService(
            self.uow, self.clock, self.models.blobs, self.jobs.resolve_environment
        )
        self.asset_uses = AssetUseService(self.uow, self.clock)
        self.endpoints = EndpointService(self.uow, self.clock, self.secrets, self.asset_uses)
        self.deployments = DeploymentService(
            self.uow,
            self.clock,
            self.endpoints,
            self.models,
            self.models.blobs,
            self.jobs.resolve_environment,
            self.asset_uses,
            settings.deployments_dir(),
        )
        self.deployment_package = DeploymentPackageService(self.deployments)
        self.deployment_metrics = DeploymentMetricsService(self.uow, self.clock, self.deployments)
        self.data_collection = DataCollectionService(self.artifacts, self.datastores)
        if settings.state_dir is not None and not settings.store.url:
            # NOTE: an embedded workspace: invoke goes through a detached `basalt serve`,
            # started on first use (a server process sets its own invoker).
            self.endpoints.invoker = embedded_invoker(settings, self._endpoint_key)
            self.endpoints.scoring_base = lambda: _serving_url(settings)
            if settings.compute.serve_on_deploy:
                self.endpoints.on_deploy = lambda: ensure_serving(settings)
        self.batch_endpoints = BatchEndpointService(self.uow, self.clock, self.asset_uses)
        self.batch_deployments = BatchDeploymentService(
            self.uow,
            self.clock,
            self.batch_endpoints,
            self.models,
            self.models.blobs,
            self.jobs.resolve_environment,
            self.computes.get,
            self.asset_uses,
        )
        self.batch_invoke = BatchInvokeService(
            self.batch_deployments, self.jobs, self.runs, self.models.blobs
        )
        self.job_deletes = JobDeleteService(self.uow, self.runs, settings.jobs_dir())
        self.gc = GarbageCollector(
            self.uow,
            self.clock,
            self.artifacts,
            self.models.blobs,
            settings.jobs_dir(),
            settings.server.gc_grace_period_s,
        )
        if ensure_default:
            self.workspaces.ensure_workspace(DEFAULT_WORKSPACE_NAME)

    def _endpoint_key(self, workspace: str, endpoint: str) -> str:
        """The endpoint's primary key (what ``invoke`` presents to the gateway)."""
        keys = self.endpoints.get_credentials(workspace, endpoint)
        return keys.primary_key.get_secret_value()

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serving_url(settings: Settings) -> str | None:
    """The URL of this embedded workspace's running ``basalt serve``, if one runs."""
    info = running(settings)
    return info.url if info is not None else None


def upgrade_store(url: str) -> tuple[str | None, str | None, bool]:
    """Apply pending migrations to the store at ``url``.

    Returns:
        (revision before, revision after, whether migrations ran).
    """
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        ran = upgrade(engine)
        return before, current_revision(engine), ran
    finally:
        engine.dispose()


def store_revisions(url: str) -> tuple[str | None, str | None]:
    """The store's revision and the newest one this version of Basalt knows."""
    engine = make_engine(url)
    try:
        return current_revision(engine), head_revision()
    finally:
        engine.dispose()
