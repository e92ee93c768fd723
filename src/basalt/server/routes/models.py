"""Model registry routes: content upload, versions, labels, files."""

from __future__ import annotations

import tempfile
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from basalt.server.deps import ServicesDep
from basalt.server.routes._versioned import add_file_routes, add_versioned_routes
from basalt.spec import operations as ops
from basalt.spec.models import (
    BlobQuery,
    BlobStored,
    Model,
    ModelComparison,
    ModelCreate,
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


add_versioned_routes(
    router, ops.MODELS_ASSET, lambda s: s.models, singular="Model", plural="Models"
)
add_file_routes(router, ops.MODELS_FILES_LIST, ops.MODELS_FILE_GET, lambda s: s.models)


@router.get(ops.MODELS_COMPARE.path, operation_id="models-compare")
def compare_models(
    services: ServicesDep,
    workspace: str,
    name: str,
    versions: Annotated[list[str] | None, Query()] = None,
) -> ModelComparison:
    """Versions side by side: metrics at registration, params and inputs of their jobs, size."""
    return services.model_compare.compare(workspace, name, versions)
