"""Workspaces: create, list, resolve names to ids."""

from __future__ import annotations

import logging
from datetime import datetime

from basalt._internal.clock import Clock
from basalt.errors import AlreadyExistsError, NotFoundError
from basalt.spec.workspaces import Workspace, WorkspaceCreate
from basalt.store.repos.identity import IdentityRepo
from basalt.store.repos.workspaces import WorkspaceRepo
from basalt.store.tables import MembershipRow, WorkspaceRow
from basalt.store.uow import Session, UnitOfWork

logger = logging.getLogger(__name__)


def _to_spec(row: WorkspaceRow) -> Workspace:
    return Workspace(name=row.name, description=row.description, created_at=row.created_at)


class WorkspaceService:
    """Workspace rules: unique names; every other service resolves names here."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def create_workspace(self, body: WorkspaceCreate, owner: str | None = None) -> Workspace:
        """Create a workspace; ``owner`` (a user's name, if it has an account) becomes its Owner.

        Raises:
            AlreadyExistsError: The name is taken.
        """
        with self.uow(write=True) as session:
            repo = WorkspaceRepo(session)
            if repo.find_by_name(body.name) is not None:
                raise AlreadyExistsError(f"Workspace '{body.name}' already exists")
            now = self.clock.now()
            row = repo.add(
                WorkspaceRow(name=body.name, description=body.description, created_at=now)
            )
            # NOTE: imported here: services/computes.py resolves workspace names with this module.
            from basalt.services.computes import local_compute_row

            # Every workspace has a `local` compute target, created in the same transaction.
            session.add(local_compute_row(row.id, now))
            if owner is not None:
                _add_owner(session, row.id, owner, now)
            session.flush()
            logger.info("created workspace %s", body.name)
            return _to_spec(row)

    def ensure_workspace(self, name: str) -> None:
        """Create the workspace if it does not exist (used for ``default``)."""
        with self.uow() as session:
            if WorkspaceRepo(session).find_by_name(name) is not None:
                return
        try:
            self.create_workspace(WorkspaceCreate(name=name))
        except AlreadyExistsError:
            pass  # another process created it first

    def get_workspace(self, name: str) -> Workspace:
        """The workspace called ``name``.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            row = WorkspaceRepo(session).find_by_name(name)
            if row is None:
                raise _not_found(name)
            return _to_spec(row)

    def list_workspaces(self) -> list[Workspace]:
        """Every workspace, by name."""
        with self.uow() as session:
            return [_to_spec(r) for r in WorkspaceRepo(session).list()]


def _add_owner(session: Session, workspace_id: int, owner: str, now: datetime) -> None:
    user = IdentityRepo(session).user(owner)
    if user is not None:
        session.add(
            MembershipRow(workspace_id=workspace_id, user_id=user.id, role="Owner", created_at=now)
        )


def _not_found(name: str) -> NotFoundError:
    return NotFoundError(
        f"Workspace '{name}' not found; 'basalt workspace list' shows the ones that exist"
    )


def workspace_id(session: Session, name: str) -> int:
    """Resolve a workspace name inside an open session.

    Raises:
        NotFoundError: No such workspace.
    """
    row = WorkspaceRepo(session).find_by_name(name)
    if row is None:
        raise _not_found(name)
    return row.id
