"""Model registry routes: content upload, versions, labels, files."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.models import (
    BlobQuery,
    BlobStored,
    Model,
    ModelCreate,
    ModelFile,
    ModelLabelSet,
    ModelListQuery,
    ModelUpdate,
)

router = APIRouter(tags=["models"])

SPOOL_BYTES = 8 * 1024 * 1024


@router.post(ops.MODELS_BLOBS_MISSING.path, operation_id="models-blobs-missing")
def missing_blobs(services: ServicesDep, workspace: str, body: BlobQuery) -> list[str]:
    """Which contents the store lacks, so the client uploads only those."""
    return services.models.missing_blobs(workspace, body.sha256)


@router.put(ops.MODELS_BLOB_PUT.path, operation_id="models-blob-put")
async def put_blob(
    services: ServicesDep, request: Request, workspace: str, sha256: str
) -> BlobStored:
    """Upload one content blob: the body is the file's bytes, checked against its hash."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        async for chunk in request.stream():
            await run_in_threadpool(spool.write, chunk)
        spool.seek(0)
        stored = await run_in_threadpool(services.models.put_blob, workspace, sha256, spool)
        return BlobStored(sha256=sha256, stored=stored)
    finally:
        spool.close()


@router.post(ops.MODELS_CREATE.path, operation_id="models-create", status_code=201)
def create_model(services: ServicesDep, workspace: str, body: ModelCreate) -> Model:
    """Register a model version."""
    return services.models.create_model(workspace, body)


@router.post(ops.MODELS_SEARCH.path, operation_id="models-search")
def search_models(services: ServicesDep, workspace: str, body: ModelListQuery) -> Page[Model]:
    """List model versions, optionally of one name and with given tags."""
    return services.models.list(
        workspace,
        name=body.name,
        tags=body.tags,
        include_archived=body.include_archived,
        page_token=body.page_token,
        max_results=body.max_results,
    )


@router.get(ops.MODELS_GET.path, operation_id="models-get")
def get_model(
    services: ServicesDep,
    workspace: str,
    name: str,
    version: str | None = None,
    label: str | None = None,
) -> Model:
    """One model version: exact, by label, or the latest."""
    return services.models.get(workspace, name, version, label)


@router.patch(ops.MODELS_UPDATE.path, operation_id="models-update")
def update_model(
    services: ServicesDep, workspace: str, name: str, version: str, body: ModelUpdate
) -> Model:
    """Change the description, tags or properties of a version."""
    return services.models.update(
        workspace,
        name,
        version,
        description=body.description,
        tags=body.tags,
        properties=body.properties,
    )


@router.post(ops.MODELS_ARCHIVE.path, operation_id="models-archive")
def archive_model(services: ServicesDep, workspace: str, name: str, version: str) -> Model:
    """Hide a version from lists and ``latest``."""
    return services.models.archive(workspace, name, version)


@router.post(ops.MODELS_RESTORE.path, operation_id="models-restore")
def restore_model(services: ServicesDep, workspace: str, name: str, version: str) -> Model:
    """Show an archived version again."""
    return services.models.archive(workspace, name, version, archived=False)


@router.put(ops.MODELS_SET_LABEL.path, operation_id="models-set-label")
def set_label(
    services: ServicesDep, workspace: str, name: str, label: str, body: ModelLabelSet
) -> Model:
    """Point a label at one version."""
    return services.models.set_label(workspace, name, label, body.version)


@router.get(ops.MODELS_FILES_LIST.path, operation_id="models-files-list")
def list_files(services: ServicesDep, workspace: str, name: str, version: str) -> list[ModelFile]:
    """The files of a version."""
    return services.models.list_files(workspace, name, version)


@router.get(
    ops.MODELS_FILE_GET.path.replace("{path}", "{path:path}"), operation_id="models-file-get"
)
def get_file(
    services: ServicesDep, workspace: str, name: str, version: str, path: str
) -> StreamingResponse:
    """Download one file of a version, streamed."""
    stream = services.models.open_file(workspace, name, version, path)

    def chunks() -> Iterator[bytes]:
        with stream:
            while chunk := stream.read(1024 * 1024):
                yield chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream")
