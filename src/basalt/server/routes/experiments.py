"""Experiment routes."""

from __future__ import annotations

from fastapi import APIRouter, Query

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.common import MAX_PAGE_SIZE, Page
from basalt.spec.experiments import Experiment, ExperimentCreate

router = APIRouter(tags=["experiments"])


@router.get(ops.EXPERIMENTS_LIST.path, operation_id="experiments-list")
def list_experiments(
    services: ServicesDep,
    workspace: str,
    include_archived: bool = False,
    max_results: int | None = Query(default=None, ge=1, le=MAX_PAGE_SIZE),
    page_token: str | None = None,
) -> Page[Experiment]:
    """List experiments, newest first."""
    return services.experiments.list_experiments(
        workspace, include_archived=include_archived, max_results=max_results, page_token=page_token
    )


@router.post(ops.EXPERIMENTS_CREATE.path, operation_id="experiments-create", status_code=201)
def create_experiment(services: ServicesDep, workspace: str, body: ExperimentCreate) -> Experiment:
    """Create an experiment."""
    return services.experiments.create_experiment(workspace, body)


@router.get(ops.EXPERIMENTS_GET.path, operation_id="experiments-get")
def get_experiment(services: ServicesDep, workspace: str, name: str) -> Experiment:
    """Get one experiment by name."""
    return services.experiments.get_experiment(workspace, name)
