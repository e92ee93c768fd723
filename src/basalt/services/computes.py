"""Compute targets: named places a workspace's jobs run, one record per name (not versioned).

Every workspace has a ``local`` target: ``WorkspaceService`` creates it with the workspace,
migration 0004 added it to workspaces that existed before, and ``ensure_local`` re-creates it
for callers that need it. The job service decides what runs where; this service keeps the
records and refuses to delete a target that still has active jobs (the ``in_use`` hook).
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from datetime import datetime

from basalt._internal.clock import Clock
from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError
from basalt.services.workspaces import workspace_id
from basalt.spec.common import check_name, check_value
from basalt.spec.compute import (
    LOCAL_COMPUTE,
    Compute,
    ComputeCreate,
    ComputeType,
    ComputeUpdate,
    default_max_concurrent_jobs,
)
from basalt.store.repos.computes import ComputeRepo
from basalt.store.tables import ComputeRow
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)

InUse = Callable[[str, str], list[str]]
"""``in_use(workspace, compute)``: names of the jobs queued or running on a target."""


def local_compute_row(ws_id: int, now: datetime) -> ComputeRow:
    """The row of a workspace's default ``local`` target (half the CPUs, at least 1)."""
    return ComputeRow(
        workspace_id=ws_id,
        name=LOCAL_COMPUTE,
        type=ComputeType.LOCAL.value,
        config={"max_concurrent_jobs": default_max_concurrent_jobs()},
        description="This machine.",
        tags={},
        created_at=now,
        updated_at=now,
        created_by=None,
    )


def _to_spec(row: ComputeRow) -> Compute:
    return Compute(
        name=row.name,
        type=ComputeType(row.type),
        max_concurrent_jobs=int(row.config.get("max_concurrent_jobs", 1)),
        description=row.description,
        tags=dict(row.tags),
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )


def _not_found(workspace: str, name: str) -> NotFoundError:
    return NotFoundError(
        f"Compute '{name}' not found in workspace '{workspace}'; "
        f"create it with: basalt compute create --name {name} --type local",
        details={"name": name},
    )


class ComputeService:
    """Compute target rules: unique names per workspace, ``local`` always there.

    Args:
        uow: The unit of work.
        clock: Time source.
        in_use: Names of the active (queued or running) jobs of a target; a target with any
            cannot be deleted. Default: none (the job service plugs its query in here).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, in_use: InUse | None = None) -> None:
        self.uow = uow
        self.clock = clock
        self.in_use: InUse = in_use or (lambda workspace, name: [])

    def create(self, workspace: str, body: ComputeCreate) -> Compute:
        """Create a compute target.

        Raises:
            AlreadyExistsError: The name is taken in the workspace.
            NotFoundError: No such workspace.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            now = self.clock.now()
            row = ComputeRow(
                workspace_id=ws_id,
                name=body.name,
                type=body.type.value,
                config={"max_concurrent_jobs": body.max_concurrent_jobs},
                description=body.description,
                tags=dict(body.tags),
                created_at=now,
                updated_at=now,
                created_by=body.created_by,
            )
            if not ComputeRepo(session).try_add(row):
                raise AlreadyExistsError(
                    f"Compute '{body.name}' already exists in workspace '{workspace}'; "
                    f"change it with: basalt compute update {body.name}",
                    details={"name": body.name},
                )
            logger.info("created compute %s in %s", body.name, workspace)
            return _to_spec(row)

    def get(self, workspace: str, name: str) -> Compute:
        """The target called ``name``.

        Raises:
            NotFoundError: No such workspace or target (the message says how to create it).
        """
        with self.uow() as session:
            row = ComputeRepo(session).find(workspace_id(session, workspace), name)
            if row is None:
                raise _not_found(workspace, name)
            return _to_spec(row)

    def list(self, workspace: str) -> builtins.list[Compute]:
        """Targets of the workspace, by name."""
        with self.uow() as session:
            return [
                _to_spec(r) for r in ComputeRepo(session).list(workspace_id(session, workspace))
            ]

    def update(self, workspace: str, name: str, body: ComputeUpdate) -> Compute:
        """Change a target's settings; fields left out stay as they are.

        Raises:
            NotFoundError: No such target.
            InvalidArgumentError: A bad tag.
        """
        for key, value in (body.tags or {}).items():
            check_name(key, "tags key")
            check_value(value, f"value of {key!r}")
        with self.uow(write=True) as session:
            row = ComputeRepo(session).find(workspace_id(session, workspace), name)
            if row is None:
                raise _not_found(workspace, name)
            sent = body.model_fields_set
            if "max_concurrent_jobs" in sent and body.max_concurrent_jobs is not None:
                row.config = {**row.config, "max_concurrent_jobs": body.max_concurrent_jobs}
            if "description" in sent:
                row.description = body.description or ""
            if "tags" in sent:
                row.tags = dict(body.tags or {})
            row.updated_at = self.clock.now()
            session.flush()
            return _to_spec(row)

    def delete(self, workspace: str, name: str) -> None:
        """Remove a target.

        Raises:
            NotFoundError: No such target.
            ConflictError: It is ``local`` (every workspace keeps one), or jobs are queued or
                running on it.
        """
        if name == LOCAL_COMPUTE:
            raise ConflictError(
                "Compute 'local' cannot be deleted: every workspace keeps one; "
                "change it with: basalt compute update local --max-concurrent-jobs N"
            )
        active = self.in_use(workspace, name)
        if active:
            shown = ", ".join(active[:5]) + (" ..." if len(active) > 5 else "")
            raise ConflictError(
                f"Compute '{name}' has {len(active)} queued or running job(s) ({shown}); "
                "cancel them or wait for them to finish",
                details={"name": name, "jobs": active},
            )
        with self.uow(write=True) as session:
            repo = ComputeRepo(session)
            row = repo.find(workspace_id(session, workspace), name)
            if row is None:
                raise _not_found(workspace, name)
            repo.delete(row)
            logger.info("deleted compute %s in %s", name, workspace)

    def ensure_local(self, workspace: str) -> Compute:
        """The workspace's ``local`` target, created first if missing (idempotent).

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = ComputeRepo(session)
            row = repo.find(ws_id, LOCAL_COMPUTE)
            if row is None:
                row = local_compute_row(ws_id, self.clock.now())
                if not repo.try_add(row):  # another process made it first
                    found = repo.find(ws_id, LOCAL_COMPUTE)
                    assert found is not None
                    row = found
            return _to_spec(row)
