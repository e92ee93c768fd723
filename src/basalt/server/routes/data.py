"""Data asset routes: versions, labels, files.

Content uploads go through the models' blob routes (``.../models/blobs/...``): the blobs are one
shared, content-addressed store.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.data import Data, DataCreate, DataLabelSet, DataListQuery, DataUpdate
from basalt.spec.models import ModelFile

router = APIRouter(tags=["data"])


@router.post(ops.DATA_CREATE.path, operation_id="data-create", status_code=201)
def create_data(services: ServicesDep, workspace: str, body: DataCreate) -> Data:
    """Create a data asset version (idempotent when the version exists with the same files)."""
    return services.data.create(workspace, body)


@router.post(ops.DATA_SEARCH.path, operation_id="data-search")
def search_data(services: ServicesDep, workspace: str, body: DataListQuery) -> Page[Data]:
    """List data versions, optionally of one name and with given tags."""
    return services.data.list(
        workspace,
        name=body.name,
        tags=body.tags,
        include_archived=body.include_archived,
        page_token=body.page_token,
        max_results=body.max_results,
    )


@router.get(ops.DATA_GET.path, operation_id="data-get")
def get_data(
    services: ServicesDep,
    workspace: str,
    name: str,
    version: str | None = None,
    label: str | None = None,
) -> Data:
    """One data version: exact, by label, or the latest."""
    return services.data.get(workspace, name, version, label)


@router.patch(ops.DATA_UPDATE.path, operation_id="data-update")
def update_data(
    services: ServicesDep, workspace: str, name: str, version: str, body: DataUpdate
) -> Data:
    """Change the description, tags or properties of a version."""
    return services.data.update(
        workspace,
        name,
        version,
        description=body.description,
        tags=body.tags,
        properties=body.properties,
    )


@router.post(ops.DATA_ARCHIVE.path, operation_id="data-archive")
def archive_data(services: ServicesDep, workspace: str, name: str, version: str) -> Data:
    """Hide a version from lists and ``latest``."""
    return services.data.archive(workspace, name, version)


@router.post(ops.DATA_RESTORE.path, operation_id="data-restore")
def restore_data(services: ServicesDep, workspace: str, name: str, version: str) -> Data:
    """Show an archived version again."""
    return services.data.archive(workspace, name, version, archived=False)


@router.put(ops.DATA_SET_LABEL.path, operation_id="data-set-label")
def set_label(
    services: ServicesDep, workspace: str, name: str, label: str, body: DataLabelSet
) -> Data:
    """Point a label at one version."""
    return services.data.set_label(workspace, name, label, body.version)


@router.get(ops.DATA_FILES.path, operation_id="data-files")
def list_files(services: ServicesDep, workspace: str, name: str, version: str) -> list[ModelFile]:
    """The files of a version."""
    return services.data.list_files(workspace, name, version)


@router.get(ops.DATA_FILE_GET.path.replace("{path}", "{path:path}"), operation_id="data-file-get")
def get_file(
    services: ServicesDep, workspace: str, name: str, version: str, path: str
) -> StreamingResponse:
    """Download one file of a version, streamed."""
    stream = services.data.open_file(workspace, name, version, path)

    def chunks() -> Iterator[bytes]:
        with stream:
            while chunk := stream.read(1024 * 1024):
                yield chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream")
