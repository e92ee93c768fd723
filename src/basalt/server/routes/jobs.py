"""Job routes: submit, cancel, delete, the log. A job is a run: reading it uses the run routes."""

from __future__ import annotations

from fastapi import APIRouter, Query

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.job_requests import JobCreate, LogChunk
from basalt.spec.runs import Run

router = APIRouter(tags=["jobs"])


@router.post(ops.JOBS_CREATE.path, operation_id="jobs-create", status_code=201)
def create_job(services: ServicesDep, workspace: str, body: JobCreate) -> Run:
    """Validate and queue a job (command job, Azure ML CLI v2 shape); returns its run."""
    return services.jobs.create(workspace, body)


@router.post(ops.JOBS_CANCEL.path, operation_id="jobs-cancel")
def cancel_job(services: ServicesDep, workspace: str, name: str) -> Run:
    """Cancel a job: at once if it has not started, else its runner stops the process tree."""
    return services.job_runs.cancel(workspace, name)


@router.delete(ops.JOBS_DELETE.path, operation_id="jobs-delete", status_code=204)
def delete_job(services: ServicesDep, workspace: str, name: str) -> None:
    """Delete a finished job: its record, its children (a sweep's trials), its files."""
    services.job_deletes.delete(workspace, name)


@router.get(ops.JOBS_LOGS.path, operation_id="jobs-logs")
def job_logs(
    services: ServicesDep,
    workspace: str,
    name: str,
    offset: int = Query(0, ge=0),
    max_bytes: int = Query(65536, ge=1, le=1 << 20),
) -> LogChunk:
    """The job's log (stdout and stderr) from byte ``offset``."""
    return services.job_runs.logs(workspace, name, offset, max_bytes)
