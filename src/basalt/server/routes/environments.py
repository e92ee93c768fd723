"""Environment routes: versions, labels, archive (content lives in each version)."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.server.routes._versioned import add_versioned_routes
from basalt.spec import operations as ops
from basalt.spec.environments import (
    DockerContext,
    Environment,
    EnvironmentBuild,
    EnvironmentCreate,
)

router = APIRouter(tags=["environments"])


@router.post(ops.ENVIRONMENTS_CREATE.path, operation_id="environments-create", status_code=201)
def create_environment(
    services: ServicesDep, workspace: str, body: EnvironmentCreate
) -> Environment:
    """Create an environment version (the same content again returns it unchanged)."""
    return services.environments.create(workspace, body)


add_versioned_routes(
    router,
    ops.ENVIRONMENTS_ASSET,
    lambda s: s.environments,
    singular="Environment",
    plural="Environments",
    update_note=" (never its content)",
)


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
