"""Environment routes: versions, labels, archive (content lives in each version)."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.environments import (
    DockerContext,
    Environment,
    EnvironmentBuild,
    EnvironmentCreate,
    EnvironmentLabelSet,
    EnvironmentListQuery,
    EnvironmentUpdate,
)

router = APIRouter(tags=["environments"])


@router.post(ops.ENVIRONMENTS_CREATE.path, operation_id="environments-create", status_code=201)
def create_environment(
    services: ServicesDep, workspace: str, body: EnvironmentCreate
) -> Environment:
    """Create an environment version (the same content again returns it unchanged)."""
    return services.environments.create(workspace, body)


@router.post(ops.ENVIRONMENTS_SEARCH.path, operation_id="environments-search")
def search_environments(
    services: ServicesDep, workspace: str, body: EnvironmentListQuery
) -> Page[Environment]:
    """List environment versions, optionally of one name and with given tags."""
    return services.environments.list(
        workspace,
        name=body.name,
        tags=body.tags,
        include_archived=body.include_archived,
        page_token=body.page_token,
        max_results=body.max_results,
    )


@router.get(ops.ENVIRONMENTS_GET.path, operation_id="environments-get")
def get_environment(
    services: ServicesDep,
    workspace: str,
    name: str,
    version: str | None = None,
    label: str | None = None,
) -> Environment:
    """One environment version: exact, by label, or the latest."""
    return services.environments.get(workspace, name, version, label)


@router.patch(ops.ENVIRONMENTS_UPDATE.path, operation_id="environments-update")
def update_environment(
    services: ServicesDep, workspace: str, name: str, version: str, body: EnvironmentUpdate
) -> Environment:
    """Change the description, tags or properties of a version (never its content)."""
    return services.environments.update(
        workspace,
        name,
        version,
        description=body.description,
        tags=body.tags,
        properties=body.properties,
    )


@router.post(ops.ENVIRONMENTS_ARCHIVE.path, operation_id="environments-archive")
def archive_environment(
    services: ServicesDep, workspace: str, name: str, version: str
) -> Environment:
    """Hide a version from lists and ``latest``."""
    return services.environments.archive(workspace, name, version)


@router.post(ops.ENVIRONMENTS_RESTORE.path, operation_id="environments-restore")
def restore_environment(
    services: ServicesDep, workspace: str, name: str, version: str
) -> Environment:
    """Show an archived version again."""
    return services.environments.archive(workspace, name, version, archived=False)


@router.put(ops.ENVIRONMENTS_SET_LABEL.path, operation_id="environments-set-label")
def set_label(
    services: ServicesDep, workspace: str, name: str, label: str, body: EnvironmentLabelSet
) -> Environment:
    """Point a label at one version."""
    return services.environments.set_label(workspace, name, label, body.version)


@router.post(ops.ENVIRONMENTS_BUILD.path, operation_id="environments-build")
def build_environment(
    services: ServicesDep,
    workspace: str,
    name: str,
    version: str | None = None,
    label: str | None = None,
) -> EnvironmentBuild:
    """Materialize an environment (workspace or curated) into the job cache ahead of jobs."""
    return services.environment_builds.build(workspace, name, version, label)


@router.get(ops.ENVIRONMENTS_DOCKERFILE.path, operation_id="environments-dockerfile")
def environment_dockerfile(
    services: ServicesDep,
    workspace: str,
    name: str,
    version: str | None = None,
    label: str | None = None,
) -> DockerContext:
    """A Dockerfile and context that reproduce an environment anywhere Docker runs."""
    return services.environment_builds.dockerfile(workspace, name, version, label)
