"""Run and job routes: lifecycle, logging, metric history, output files, code snapshot."""

from __future__ import annotations

import tempfile

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from basalt.server.deps import ServicesDep
from basalt.server.routes._streams import FILE_RESPONSES, FileStream
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.models import ModelFile
from basalt.spec.runs import (
    ArtifactFile,
    LogBatch,
    LogBatchResult,
    MetricSeries,
    Run,
    RunCreate,
    RunListQuery,
    RunUpdate,
)

router = APIRouter(tags=["runs"])

SPOOL_BYTES = 8 * 1024 * 1024


@router.post(ops.RUNS_CREATE.path, operation_id="runs-create", status_code=201)
def create_run(services: ServicesDep, workspace: str, body: RunCreate) -> Run:
    """Create a run (an interactive run, or the record of a job)."""
    return services.runs.create_run(workspace, body)


@router.post(ops.RUNS_SEARCH.path, operation_id="runs-search")
def search_runs(services: ServicesDep, workspace: str, body: RunListQuery) -> Page[Run]:
    """List runs with a filter and an order, one page."""
    return services.runs.list_runs(workspace, body)


@router.get(ops.RUNS_GET.path, operation_id="runs-get")
def get_run(services: ServicesDep, workspace: str, name: str) -> Run:
    """Get one run by name."""
    return services.runs.get_run(workspace, name)


@router.patch(ops.RUNS_UPDATE.path, operation_id="runs-update")
def update_run(services: ServicesDep, workspace: str, name: str, body: RunUpdate) -> Run:
    """Update status, display name, description or error; only the fields sent change."""
    return services.runs.update_run(workspace, name, body)


@router.post(ops.RUNS_ARCHIVE.path, operation_id="runs-archive")
def archive_run(services: ServicesDep, workspace: str, name: str) -> Run:
    """Hide a run from lists."""
    return services.runs.archive_run(workspace, name)


@router.post(ops.RUNS_RESTORE.path, operation_id="runs-restore")
def restore_run(services: ServicesDep, workspace: str, name: str) -> Run:
    """Show an archived run in lists again."""
    return services.runs.archive_run(workspace, name, archived=False)


@router.post(ops.RUNS_LOG_BATCH.path, operation_id="runs-log-batch")
def log_batch(services: ServicesDep, workspace: str, name: str, body: LogBatch) -> LogBatchResult:
    """Store metrics, params and tags of a run in one transaction."""
    return services.runs.log_batch(workspace, name, body)


@router.delete(ops.RUNS_DELETE_TAG.path, operation_id="runs-delete-tag", status_code=204)
def delete_tag(services: ServicesDep, workspace: str, name: str, key: str) -> None:
    """Remove a tag from a run."""
    services.runs.delete_tag(workspace, name, key)


# NOTE: {key:path}: metric keys may hold slashes (system/cpu_percent, train/loss); the HTTP
# transport quotes them, but the server matches the decoded path.
@router.get(
    ops.RUNS_METRIC_HISTORY.path.replace("{key}", "{key:path}"),
    operation_id="runs-metric-history",
)
def metric_history(
    services: ServicesDep,
    workspace: str,
    name: str,
    key: str,
    max_points: int | None = Query(default=None, ge=2),
) -> MetricSeries:
    """Every point of one metric, or a min/max-preserving downsample of it."""
    return services.runs.get_metric_history(workspace, name, key, max_points)


@router.get(ops.RUNS_FILES_LIST.path, operation_id="runs-files-list")
def list_files(
    services: ServicesDep, workspace: str, name: str, path: str = ""
) -> list[ArtifactFile]:
    """List a run's output files under ``path``."""
    return services.runs.list_artifacts(workspace, name, path)


@router.put(ops.RUNS_FILE_PUT.path.replace("{path}", "{path:path}"), operation_id="runs-file-put")
async def put_file(
    services: ServicesDep, request: Request, workspace: str, name: str, path: str
) -> ArtifactFile:
    """Upload one output file; the body is the file's bytes, streamed."""
    # NOTE: async only to read the body as a stream; it spools to disk past 8 MiB, so a large
    # upload never sits in memory, and the store call runs in the thread pool.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        async for chunk in request.stream():
            await run_in_threadpool(spool.write, chunk)
        spool.seek(0)
        return await run_in_threadpool(services.runs.upload_artifact, workspace, name, path, spool)
    finally:
        spool.close()


@router.get(
    ops.RUNS_FILE_GET.path.replace("{path}", "{path:path}"),
    operation_id="runs-file-get",
    response_class=FileStream,
    responses=FILE_RESPONSES,
)
def get_file(services: ServicesDep, workspace: str, name: str, path: str) -> FileStream:
    """Download one output file, streamed."""
    return FileStream.of(services.runs.open_artifact(workspace, name, path))


@router.get(ops.RUNS_SNAPSHOT_LIST.path, operation_id="runs-snapshot-list")
def list_snapshot_files(services: ServicesDep, workspace: str, name: str) -> list[ModelFile]:
    """List the files of a run's code snapshot (empty when it has none)."""
    return services.run_snapshots.list_files(workspace, name)


@router.get(
    ops.RUNS_SNAPSHOT_GET.path.replace("{path}", "{path:path}"),
    operation_id="runs-snapshot-get",
    response_class=FileStream,
    responses=FILE_RESPONSES,
)
def get_snapshot_file(services: ServicesDep, workspace: str, name: str, path: str) -> FileStream:
    """Download one file of a run's code snapshot, streamed."""
    return FileStream.of(services.run_snapshots.open_file(workspace, name, path))
