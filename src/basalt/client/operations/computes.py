"""``client.compute``: compute targets (Azure ML's ``ml_client.compute``)."""

from __future__ import annotations

import builtins
from typing import Any

from basalt.client._uploads import current_user
from basalt.client.transports.base import Transport
from basalt.errors import NotFoundError, invalid
from basalt.spec import operations as ops
from basalt.spec.compute import Compute, ComputeCreate, ComputeUpdate


class ComputeOperations:
    """Compute targets of the client's workspace; every workspace has ``local``."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def create_or_update(self, compute: ComputeCreate | Any) -> Compute:
        """Create a target, or change the settings of the one with that name.

        Args:
            compute: A ``ComputeCreate``, or any object with its attributes (``name``,
                ``type``, ``max_concurrent_jobs`` ...).
        """
        body = self._body(compute)
        try:
            existing = self.get(body.name)
        except NotFoundError:
            return self.create(body)
        if existing.type != body.type:
            raise invalid(
                "type",
                f"compute '{body.name}' is of type {existing.type.value}; a target's type cannot "
                "change (delete it and create it again)",
            )
        sent = body.model_fields_set & {"max_concurrent_jobs", "description", "tags"}
        update = ComputeUpdate.model_validate({k: getattr(body, k) for k in sent})
        return self.update(body.name, update)

    def begin_create_or_update(self, compute: ComputeCreate | Any) -> Compute:
        """Azure ML's spelling of ``create_or_update``; here it finishes before it returns."""
        return self.create_or_update(compute)

    def create(self, compute: ComputeCreate | Any) -> Compute:
        """Create a target; raises AlreadyExistsError when the name is taken."""
        body = self._body(compute)
        if body.created_by is None:
            body = body.model_copy(update={"created_by": current_user()})
        return self._t.call(ops.COMPUTES_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def get(self, name: str) -> Compute:
        """The target called ``name``; raises NotFoundError if there is none."""
        return self._t.call(ops.COMPUTES_GET, {"workspace": self._ws, "name": name})  # type: ignore[no-any-return]

    def list(self) -> builtins.list[Compute]:
        """Targets of the workspace, by name."""
        return self._t.call(ops.COMPUTES_LIST, {"workspace": self._ws})  # type: ignore[no-any-return]

    def update(
        self,
        name: str,
        body: ComputeUpdate | None = None,
        *,
        max_concurrent_jobs: int | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> Compute:
        """Change a target's concurrency, description or tags (only the ones given)."""
        if body is None:
            given = {
                k: v
                for k, v in (
                    ("max_concurrent_jobs", max_concurrent_jobs),
                    ("description", description),
                    ("tags", tags),
                )
                if v is not None
            }
            body = ComputeUpdate.model_validate(given)
        params = {"workspace": self._ws, "name": name}
        return self._t.call(ops.COMPUTES_UPDATE, params, body=body)  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        """Remove a target (refused for ``local`` and while jobs are active on it)."""
        self._t.call(ops.COMPUTES_DELETE, {"workspace": self._ws, "name": name})

    def begin_delete(self, name: str) -> None:
        """Azure ML's spelling of ``delete``; here deletion finishes before it returns."""
        self.delete(name)

    @staticmethod
    def _body(compute: ComputeCreate | Any) -> ComputeCreate:
        if isinstance(compute, ComputeCreate):
            return compute
        names = [k for k in ComputeCreate.model_fields if hasattr(compute, k)]
        fields = {k: getattr(compute, k) for k in names if getattr(compute, k) is not None}
        return ComputeCreate.model_validate(fields)
