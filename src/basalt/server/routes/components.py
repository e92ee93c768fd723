"""Component routes: versions, labels, archive, and the code files of a version.

Code uploads go through the models' blob routes (``.../models/blobs/...``): the blobs are one
shared, content-addressed store.
"""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.server.routes._versioned import add_file_routes, add_versioned_routes
from basalt.spec import operations as ops
from basalt.spec.components import Component, ComponentCreate

router = APIRouter(tags=["components"])


@router.post(ops.COMPONENTS_CREATE.path, operation_id="components-create", status_code=201)
def create_component(services: ServicesDep, workspace: str, body: ComponentCreate) -> Component:
    """Create a component version (the same spec and code again returns it unchanged)."""
    return services.components.create(workspace, body)


add_versioned_routes(
    router,
    ops.COMPONENTS_ASSET,
    lambda s: s.components,
    singular="Component",
    plural="Components",
    update_note=" (never its spec or code)",
)
add_file_routes(router, ops.COMPONENTS_FILES, ops.COMPONENTS_FILE_GET, lambda s: s.components)
