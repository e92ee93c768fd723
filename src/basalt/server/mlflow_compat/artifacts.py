"""MLflow's artifact routes over Basalt's run files.

The proxied ``mlflow-artifacts`` API (upload, download, list, delete) serves the paths
``runs/<run>/<path>`` of ``mlflow-artifacts:/runs/<run>`` URIs from the same files that
``basalt job download`` reads, and, read-only, ``models/<name>/<version>/<path>`` from a model
version's content-addressed files; ``/mlflow/artifacts/list`` lists a run's files by run id.
"""

from __future__ import annotations

import mimetypes
import tempfile
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from basalt.errors import NotFoundError, invalid
from basalt.server.deps import ServicesDep
from basalt.server.mlflow_compat import registry_translate as rt
from basalt.server.mlflow_compat import translate as tr
from basalt.server.mlflow_compat.errors import MlflowProtocolError, MlflowRoute
from basalt.server.mlflow_compat.routes import WorkspaceDep, ok, query
from basalt.spec import mlflow as wire

router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Artifact routes, relative to ``/api/2.0`` (or ``/ajax-api/2.0``)."""

SPOOL_BYTES = 8 * 1024 * 1024
_PROXY = "/mlflow-artifacts/artifacts"


def _run_path(path: str) -> tuple[str, str]:
    found = tr.split_artifact_path(path)
    if found is None:
        raise invalid(
            "path",
            f"Invalid path: {path!r}; Basalt serves the artifacts of runs only "
            "(mlflow-artifacts:/runs/<run_id>/...)",
        )
    return found


@router.put(_PROXY + "/{path:path}")
async def upload_artifact(
    services: ServicesDep, workspace: WorkspaceDep, request: Request, path: str
) -> Response:
    """Store one file of a run; the body is the file's bytes, streamed (spooled past 8 MiB)."""
    run, rel = _run_path(path)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        async for chunk in request.stream():
            await run_in_threadpool(spool.write, chunk)
        spool.seek(0)
        await run_in_threadpool(services.runs.upload_artifact, workspace, run, rel, spool)
    finally:
        spool.close()
    return ok()


@router.get(_PROXY + "/{path:path}")
def download_artifact(services: ServicesDep, workspace: WorkspaceDep, path: str) -> Response:
    """One file of a run or model version, streamed, its content type guessed from its name."""
    model = rt.split_model_path(tr.safe_path(path))
    found = tr.split_artifact_path(path)
    if model is not None and model[2]:
        stream = services.models.open_file(workspace, *model)
    elif found is None or not found[1]:
        raise NotFoundError(f"No artifact at {path!r}")
    else:
        stream = services.runs.open_artifact(workspace, *found)

    def chunks() -> Iterator[bytes]:
        with stream:
            while chunk := stream.read(1024 * 1024):
                yield chunk

    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return StreamingResponse(chunks(), media_type=media_type)


@router.get(_PROXY)
def list_proxied_artifacts(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """The entries directly below a folder, named relative to it (``{}`` when there are none)."""
    path = query(request, wire.ListProxiedArtifacts).path or ""
    model = rt.split_model_path(tr.safe_path(path))
    if model is not None:
        return _list_model_files(services, workspace, *model)
    found = tr.split_artifact_path(path)
    if found is None:
        return ok()  # the root and "runs" list nothing: runs are reached through their URIs
    run, rel = found
    try:
        items = services.runs.list_artifacts(workspace, run, rel, recursive=False)
    except NotFoundError:
        return ok()  # MLflow's proxy lists a missing folder as empty
    base = f"{rel}/" if rel else ""
    files = [
        wire.FileInfo(
            path=item.path.removeprefix(base) if item.path != rel else item.path.rsplit("/")[-1],
            is_dir=item.is_dir,
            file_size=None if item.is_dir else item.size,
        )
        for item in items
    ]
    return ok(files=files or None)


def _list_model_files(
    services: ServicesDep, workspace: str, name: str, version: str, rel: str
) -> Response:
    try:
        entries = services.models.list_files(workspace, name, version)
    except NotFoundError:
        return ok()
    base = f"{rel}/" if rel else ""
    children: dict[str, wire.FileInfo] = {}
    for entry in entries:
        if not entry.path.startswith(base):
            continue
        head, sep, _ = entry.path[len(base) :].partition("/")
        children.setdefault(
            head,
            wire.FileInfo(path=head, is_dir=bool(sep), file_size=None if sep else entry.size),
        )
    return ok(files=[children[k] for k in sorted(children)] or None)


@router.delete(_PROXY + "/{path:path}")
def delete_artifact(services: ServicesDep, workspace: WorkspaceDep, path: str) -> Response:
    """Delete one file or folder of a run."""
    run, rel = _run_path(path)
    services.runs.delete_artifact(workspace, run, rel)
    return ok()


@router.api_route("/mlflow-artifacts/mpu/{rest:path}", methods=["GET", "POST"])
@router.api_route("/mlflow-artifacts/presigned/{rest:path}", methods=["GET", "POST"])
def unsupported_transfer(request: Request) -> Response:
    """Multipart and presigned transfers: not offered (``server-info`` says so)."""
    raise MlflowProtocolError(
        "NOT_IMPLEMENTED",
        501,
        f"{request.url.path} is not supported by Basalt: multipart and presigned transfers are "
        "off; files are uploaded and downloaded through the server",
    )


@router.get("/mlflow/artifacts/list")
def list_run_artifacts(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """The entries directly below a folder of a run, named relative to the run."""
    req = query(request, wire.ListArtifacts)
    rel = tr.safe_path(req.path or "")
    items = services.runs.list_artifacts(workspace, req.run_id, rel, recursive=False)
    files = [
        wire.FileInfo(path=i.path, is_dir=i.is_dir, file_size=None if i.is_dir else i.size)
        for i in items
    ]
    return ok(root_uri=tr.run_artifact_uri(req.run_id), files=files)
