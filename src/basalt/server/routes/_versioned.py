"""The routes every versioned-asset kind shares: search, get, update, archive, delete, label.

``add_versioned_routes`` registers them for one kind on its router, at the kind's paths from
``spec/operations.py`` and with the operation ids ``<kind>-<verb>``; ``add_file_routes`` adds the
file routes of the kinds that hold files (models, data). Each kind's module keeps only its own
routes (create, blobs, build ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO, Protocol

from fastapi import APIRouter
from pydantic import BaseModel

from basalt.server.deps import ServicesDep
from basalt.server.routes._streams import FILE_RESPONSES, FileStream
from basalt.services.assets import VersionedAssetService
from basalt.services.container import Services
from basalt.spec.assets import AssetLabelSet, AssetListQuery, AssetUpdate
from basalt.spec.common import Page
from basalt.spec.models import ModelFile
from basalt.spec.operations import AssetOps, Operation

ServiceOf = Callable[[Services], VersionedAssetService[Any]]


def _op_id(op: Operation) -> str:
    return op.name.replace(".", "-").replace("_", "-")


def add_versioned_routes(
    router: APIRouter,
    kind: AssetOps,
    service: ServiceOf,
    *,
    singular: str,
    plural: str,
    update_note: str = "",
) -> None:
    """Register the shared routes of one asset kind on ``router``.

    Args:
        router: The kind's router.
        kind: The kind's operations and body types.
        service: Picks the kind's service from ``Services``.
        singular: The kind's title in summaries and descriptions (``Model``).
        plural: Its plural title (``Models``; ``Data`` for data).
        update_note: Appended to the update route's description.
    """
    entity = kind.entity
    noun = singular.lower()

    def search(services: ServicesDep, workspace: str, body: AssetListQuery) -> Any:
        return service(services).list(
            workspace,
            name=body.name,
            tags=body.tags,
            include_archived=body.include_archived,
            page_token=body.page_token,
            max_results=body.max_results,
        )

    def get(
        services: ServicesDep,
        workspace: str,
        name: str,
        version: str | None = None,
        label: str | None = None,
    ) -> Any:
        return service(services).get(workspace, name, version, label)

    def update(
        services: ServicesDep, workspace: str, name: str, version: str, body: AssetUpdate
    ) -> Any:
        return service(services).update(
            workspace,
            name,
            version,
            description=body.description,
            tags=body.tags,
            properties=body.properties,
        )

    def archive(services: ServicesDep, workspace: str, name: str, version: str) -> Any:
        return service(services).archive(workspace, name, version)

    def restore(services: ServicesDep, workspace: str, name: str, version: str) -> Any:
        return service(services).archive(workspace, name, version, archived=False)

    def set_label(
        services: ServicesDep, workspace: str, name: str, label: str, body: AssetLabelSet
    ) -> Any:
        return service(services).set_label(workspace, name, label, body.version)

    routes: list[tuple[Operation, str, str, Callable[..., Any], type[BaseModel] | None]] = [
        (
            kind.search,
            f"Search {plural}",
            f"List {noun} versions, optionally of one name and with given tags.",
            search,
            kind.list_query,
        ),
        (
            kind.get,
            f"Get {singular}",
            f"One {noun} version: exact, by label, or the latest.",
            get,
            None,
        ),
        (
            kind.update,
            f"Update {singular}",
            f"Change the description, tags or properties of a version{update_note}.",
            update,
            kind.update_body,
        ),
        (
            kind.archive,
            f"Archive {singular}",
            "Hide a version from lists and ``latest``.",
            archive,
            None,
        ),
        (kind.restore, f"Restore {singular}", "Show an archived version again.", restore, None),
        (kind.set_label, "Set Label", "Point a label at one version.", set_label, kind.label_body),
    ]
    for op, summary, description, endpoint, body in routes:
        # NOTE: FastAPI reads the body and response models from the annotations; the kind's own
        # classes replace the shared base ones, so the OpenAPI schema names stay per kind.
        typed: dict[str, Any] = {"return": Page[entity] if op is kind.search else entity}  # type: ignore[valid-type]
        if body is not None:
            typed["body"] = body
        endpoint.__annotations__ = {**endpoint.__annotations__, **typed}
        router.add_api_route(
            op.path,
            endpoint,
            methods=[op.method],
            operation_id=_op_id(op),
            summary=summary,
            description=description,
        )
    if kind.delete is not None:

        def delete(services: ServicesDep, workspace: str, name: str, version: str) -> None:
            service(services).delete(workspace, name, version)

        router.add_api_route(
            kind.delete.path,
            delete,
            methods=[kind.delete.method],
            operation_id=_op_id(kind.delete),
            status_code=204,
            summary=f"Delete {singular}",
            description="Delete an archived version that nothing uses; its stored bytes are "
            "freed by the next garbage collection (``POST /gc``).",
        )


class FileService(Protocol):
    """A kind whose versions hold files (models, data)."""

    def list_files(self, workspace: str, name: str, version: str) -> list[ModelFile]:
        """The files of a version."""
        ...

    def open_file(self, workspace: str, name: str, version: str, path: str) -> BinaryIO:
        """One file of a version, open for reading."""
        ...


def add_file_routes(
    router: APIRouter,
    files: Operation,
    file_get: Operation,
    service: Callable[[Services], FileService],
) -> None:
    """Register the routes that list a version's files and stream one of them.

    Args:
        router: The kind's router.
        files: The kind's list-files operation.
        file_get: The kind's get-file operation (its ``{path}`` may hold ``/``).
        service: Picks the kind's service from ``Services``.
    """

    @router.get(files.path, operation_id=_op_id(files))
    def list_files(
        services: ServicesDep, workspace: str, name: str, version: str
    ) -> list[ModelFile]:
        """The files of a version."""
        return service(services).list_files(workspace, name, version)

    @router.get(
        file_get.path.replace("{path}", "{path:path}"),
        operation_id=_op_id(file_get),
        response_class=FileStream,
        responses=FILE_RESPONSES,
    )
    def get_file(
        services: ServicesDep, workspace: str, name: str, version: str, path: str
    ) -> FileStream:
        """Download one file of a version, streamed."""
        return FileStream.of(service(services).open_file(workspace, name, version, path))
