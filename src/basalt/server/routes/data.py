"""Data asset routes: versions, labels, files.

Content uploads go through the models' blob routes (``.../models/blobs/...``): the blobs are one
shared, content-addressed store.
"""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.server.routes._versioned import add_file_routes, add_versioned_routes
from basalt.spec import operations as ops
from basalt.spec.data import Data, DataCreate

router = APIRouter(tags=["data"])


@router.post(ops.DATA_CREATE.path, operation_id="data-create", status_code=201)
def create_data(services: ServicesDep, workspace: str, body: DataCreate) -> Data:
    """Create a data asset version (idempotent when the version exists with the same files)."""
    return services.data.create(workspace, body)


add_versioned_routes(router, ops.DATA_ASSET, lambda s: s.data, singular="Data", plural="Data")
add_file_routes(router, ops.DATA_FILES, ops.DATA_FILE_GET, lambda s: s.data)
