"""Access: who may call which operation in which workspace, and workspace memberships.

The rules, in order: an administrator may do anything; ``self`` operations are open to every
signed-in principal; ``admin`` operations to administrators only. Otherwise the principal needs
a role in the workspace (a service token: only its own workspace, with its one role) whose
permissions (``ROLE_PERMISSIONS``) include what the operation requires. A principal with no role
in a workspace is told it does not exist (404), so workspace names do not leak; a member whose
role lacks the permission gets 403 naming the role it needs.
"""

from __future__ import annotations

import logging

from basalt._internal.clock import Clock
from basalt.errors import ConflictError, NotFoundError, PermissionDeniedError
from basalt.spec.auth import ROLE_PERMISSIONS, Member, Permission, Principal, Role
from basalt.store.repos.identity import IdentityRepo
from basalt.store.repos.workspaces import WorkspaceRepo
from basalt.store.tables import MembershipRow, UserRow
from basalt.store.uow import Session, UnitOfWork

logger = logging.getLogger(__name__)

# The least role granting each permission, named in a refusal.
_LEAST_ROLE = (Role.READER, Role.DATA_LABELER, Role.CONTRIBUTOR, Role.OWNER)


def least_role(permission: Permission) -> Role | None:
    """The smallest role that grants ``permission`` (None for admin and self)."""
    return next((r for r in _LEAST_ROLE if permission in ROLE_PERMISSIONS[r]), None)


def _hidden(workspace: str) -> NotFoundError:
    # NOTE: the same words as services/workspaces.py, so a hidden workspace reads as missing.
    return NotFoundError(
        f"Workspace '{workspace}' not found; 'basalt workspace list' shows the ones that exist"
    )


class AccessService:
    """Authorization and memberships.

    Args:
        uow: The store's unit of work.
        clock: Time source (membership creation).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def role_of(self, principal: Principal, workspace: str) -> Role | None:
        """The principal's role in ``workspace`` (None: none, or no such workspace)."""
        if principal.is_service:
            return principal.service_role if principal.service_workspace == workspace else None
        with self.uow() as session:
            ws = WorkspaceRepo(session).find_by_name(workspace)
            repo = IdentityRepo(session)
            user = repo.user(principal.name)
            if ws is None or user is None:
                return None
            member = repo.membership(ws.id, user.id)
            return Role(member.role) if member else None

    def authorize(
        self, principal: Principal, operation: str, method: str, workspace: str | None
    ) -> None:
        """Allow the call or raise.

        Raises:
            NotFoundError: The principal has no role in ``workspace`` (as if it did not exist).
            PermissionDeniedError: The principal's role lacks the permission the call needs.
        """
        from basalt.spec.auth import required_permission

        permission = required_permission(operation, method)
        if principal.is_admin or permission == Permission.SELF:
            return
        if permission == Permission.ADMIN:
            raise PermissionDeniedError(f"{operation} needs a server administrator")
        if workspace is None:
            raise PermissionDeniedError(f"{operation} needs a server administrator")
        if principal.is_service and principal.service_workspace != workspace:
            raise _hidden(workspace)
        role = self.role_of(principal, workspace)
        if role is None and not principal.is_service:
            raise _hidden(workspace)
        if role is None or permission not in ROLE_PERMISSIONS[role]:
            needed = least_role(permission)
            has = f"you are {role}" if role else "this service token has no role"
            raise PermissionDeniedError(
                f"{operation} in workspace '{workspace}' needs the {needed} role or higher; {has}"
            )

    def visible_workspaces(self, principal: Principal) -> set[str] | None:
        """The workspaces the principal may see (None: all of them)."""
        if principal.is_admin:
            return None
        if principal.is_service:
            return {principal.service_workspace} if principal.service_workspace else set()
        with self.uow() as session:
            repo = IdentityRepo(session)
            user = repo.user(principal.name)
            return set(repo.workspace_roles(user.id)) if user else set()

    # --- memberships ------------------------------------------------------------------------

    def list_members(self, principal: Principal, workspace: str) -> list[Member]:
        """The workspace's members and their roles, by user name."""
        self.authorize(principal, "members.list", "GET", workspace)
        with self.uow() as session:
            ws_id = _workspace_id(session, workspace)
            return [
                Member(workspace=workspace, user=u.name, role=Role(m.role))
                for m, u in IdentityRepo(session).members(ws_id)
            ]

    def add_member(self, principal: Principal, workspace: str, user: str, role: Role) -> Member:
        """Give ``user`` ``role`` in ``workspace`` (replacing any role it had)."""
        self.authorize(principal, "members.set", "PUT", workspace)
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            ws_id = _workspace_id(session, workspace)
            row = _user_row(repo, user)
            member = repo.membership(ws_id, row.id)
            if member is None:
                repo.add(
                    MembershipRow(
                        workspace_id=ws_id,
                        user_id=row.id,
                        role=str(role),
                        created_at=self.clock.now(),
                    )
                )
            else:
                if member.role == Role.OWNER and role != Role.OWNER:
                    _keep_an_owner(repo, ws_id, workspace)
                member.role = str(role)
            logger.info("%s is now %s in %s", user, role, workspace)
            return Member(workspace=workspace, user=user, role=role)

    def remove_member(self, principal: Principal, workspace: str, user: str) -> None:
        """Take ``user``'s role in ``workspace`` away.

        Raises:
            NotFoundError: The user is not a member.
            ConflictError: It is the workspace's last Owner.
        """
        self.authorize(principal, "members.remove", "DELETE", workspace)
        with self.uow(write=True) as session:
            repo = IdentityRepo(session)
            ws_id = _workspace_id(session, workspace)
            row = _user_row(repo, user)
            member = repo.membership(ws_id, row.id)
            if member is None:
                raise NotFoundError(f"User '{user}' is not a member of '{workspace}'")
            if member.role == Role.OWNER:
                _keep_an_owner(repo, ws_id, workspace)
            session.delete(member)
            logger.info("removed %s from %s", user, workspace)


def _workspace_id(session: Session, workspace: str) -> int:
    row = WorkspaceRepo(session).find_by_name(workspace)
    if row is None:
        raise _hidden(workspace)
    return row.id


def _user_row(repo: IdentityRepo, user: str) -> UserRow:
    row = repo.user(user)
    if row is None:
        raise NotFoundError(f"User '{user}' not found; 'basalt user list' shows the users")
    return row


def _keep_an_owner(repo: IdentityRepo, ws_id: int, workspace: str) -> None:
    owners = [m for m, _ in repo.members(ws_id) if m.role == Role.OWNER]
    if len(owners) <= 1:
        raise ConflictError(f"'{workspace}' needs at least one Owner; add another Owner first")
