"""The composition root: builds every service from Settings."""

from __future__ import annotations

import logging

from basalt._internal.clock import Clock, SystemClock
from basalt.artifacts import ArtifactStore
from basalt.config import DEFAULT_WORKSPACE_NAME, Settings
from basalt.services.experiments import ExperimentService
from basalt.services.logged_models import LoggedModelService
from basalt.services.models import ModelService
from basalt.services.runs import RunService
from basalt.services.secrets import SecretService
from basalt.services.vault import Vault
from basalt.services.workspaces import WorkspaceService
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
    """

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.store_url(), pool_size=settings.store.pool_size)
        upgrade(self.engine)
        self.uow = UnitOfWork(self.engine)
        self.artifacts = ArtifactStore.from_settings(settings.artifacts, settings.artifacts_url())
        self.workspaces = WorkspaceService(self.uow, self.clock)
        self.experiments = ExperimentService(self.uow, self.clock)
        self.runs = RunService(self.uow, self.clock, self.experiments, self.artifacts)
        self.logged_models = LoggedModelService(self.uow, self.clock, self.runs)
        self.models = ModelService(self.uow, self.clock, self.artifacts, self.runs)
        self.secrets = SecretService(self.uow, self.clock, Vault.from_settings(settings))
        self.workspaces.ensure_workspace(DEFAULT_WORKSPACE_NAME)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
