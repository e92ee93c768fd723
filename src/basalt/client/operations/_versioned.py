"""The SDK verbs every versioned-asset kind shares (models, data, environments).

Each kind's operations class subclasses ``VersionedAssetOperations``, sets ``_ops`` to its
``AssetOps`` (``spec/operations.py``) and adds only its own verbs (create, download ...).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from basalt.client._uploads import current_user
from basalt.client.transports.base import Transport
from basalt.errors import InvalidArgumentError
from basalt.spec.common import Page
from basalt.spec.operations import AssetOps

T = TypeVar("T")


def split_label(
    name: str, version: str | None, label: str | None
) -> tuple[str, str | None, str | None]:
    """Read ``name@label`` when neither ``version`` nor ``label`` is given."""
    if version is None and label is None and "@" in name:
        name, label = name.split("@", 1)
    return name, version, label


class VersionedAssetOperations(Generic[T]):
    """Get, list, update, archive, restore and label versions of one kind of asset.

    Subclasses set ``_ops``; ``T`` is the kind's entity (``Model``, ``Data`` ...).
    """

    _ops: AssetOps

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def get(self, name: str, version: str | None = None, label: str | None = None) -> T:
        """One version: exact, by label (``prod``), or the latest (also ``name@latest``)."""
        name, version, label = split_label(name, version, label)
        query = {"version": version, "label": label}
        return self._t.call(self._ops.get, {"workspace": self._ws, "name": name}, query=query)  # type: ignore[no-any-return]

    def list(
        self,
        name: str | None = None,
        *,
        tags: dict[str, str] | None = None,
        include_archived: bool = False,
        max_results: int | None = None,
    ) -> builtins.list[T]:
        """Versions (of one name, with all ``tags``), by name then newest first."""
        out: builtins.list[T] = []
        token: str | None = None
        while True:
            body = self._ops.list_query(
                name=name, tags=tags or {}, include_archived=include_archived, page_token=token
            )
            page: Page[T] = self._t.call(self._ops.search, {"workspace": self._ws}, body=body)
            out.extend(page.items)
            token = page.next_page_token
            if token is None or (max_results is not None and len(out) >= max_results):
                return out if max_results is None else out[:max_results]

    def update(
        self,
        name: str,
        version: str,
        *,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> T:
        """Change a version's description, tags or properties (its content never changes)."""
        body = self._ops.update_body(description=description, tags=tags, properties=properties)
        return self._t.call(self._ops.update, self._p(name, version), body=body)  # type: ignore[no-any-return]

    def archive(self, name: str, version: str) -> T:
        """Hide a version from lists and ``latest`` (it still resolves by its version)."""
        return self._t.call(self._ops.archive, self._p(name, version))  # type: ignore[no-any-return]

    def restore(self, name: str, version: str) -> T:
        """Show an archived version again."""
        return self._t.call(self._ops.restore, self._p(name, version))  # type: ignore[no-any-return]

    def delete(self, name: str, version: str) -> None:
        """Delete an archived version nothing uses; ``basalt gc`` then frees its bytes.

        Raises:
            ConflictError: The version is not archived, or something (a deployment) uses it.
            NotFoundError: No such version.
            InvalidArgumentError: This kind has no delete.
        """
        if self._ops.delete is None:
            raise InvalidArgumentError(f"{self._ops.kind} versions cannot be deleted yet")
        self._t.call(self._ops.delete, self._p(name, version))

    def set_label(self, name: str, label: str, version: str) -> T:
        """Point ``label`` (``prod``) at ``version``; moving a label is an update."""
        params = {"workspace": self._ws, "name": name, "label": label}
        body = self._ops.label_body(version=version)
        return self._t.call(self._ops.set_label, params, body=body)  # type: ignore[no-any-return]

    def _p(self, name: str, version: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name, "version": version}


def fields_of(cls: type[BaseModel], obj: object, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The set attributes of ``obj`` that ``cls`` has as fields (a returned entity, a builder).

    ``skip`` names fields not to copy; an integer ``version`` becomes a string.
    """
    names = [k for k in cls.model_fields if k not in skip and hasattr(obj, k)]
    fields = {k: getattr(obj, k) for k in names if getattr(obj, k) is not None}
    if isinstance(fields.get("version"), int):
        fields["version"] = str(fields["version"])
    return fields


BodyT = TypeVar("BodyT", bound=BaseModel)


def body_of(
    cls: type[BodyT],
    value: Any,
    load: Callable[[str | Path], BodyT],
    *,
    skip: tuple[str, ...] = (),
) -> BodyT:
    """A request body from a YAML file path, a body, or an object with the same fields.

    ``created_by`` is filled with the current user when the body has that field unset.
    """
    if isinstance(value, str | Path):
        body = load(value)
    elif isinstance(value, cls):
        body = value
    else:
        body = cls.model_validate(fields_of(cls, value, skip=skip))
    if "created_by" in cls.model_fields and getattr(body, "created_by", None) is None:
        body = body.model_copy(update={"created_by": current_user()})
    return body
