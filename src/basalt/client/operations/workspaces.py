"""``client.workspaces``."""

from __future__ import annotations

import builtins

from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.auth import Member, MemberSet, Role
from basalt.spec.workspaces import Workspace, WorkspaceCreate


class WorkspaceOperations:
    """Workspaces of a server store (an embedded folder holds one, ``default``)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self) -> list[Workspace]:
        """Every workspace, by name."""
        return self._t.call(ops.WORKSPACES_LIST, {})  # type: ignore[no-any-return]

    def create(self, name: str, description: str = "") -> Workspace:
        """Create a workspace.

        Example:
            >>> client.workspaces.create("vision")  # doctest: +SKIP
        """
        body = WorkspaceCreate(name=name, description=description)
        return self._t.call(ops.WORKSPACES_CREATE, {}, body=body)  # type: ignore[no-any-return]

    def get(self, name: str) -> Workspace:
        """The workspace called ``name``; raises NotFoundError if there is none."""
        return self._t.call(ops.WORKSPACES_GET, {"workspace": name})  # type: ignore[no-any-return]

    def members(self, name: str) -> builtins.list[Member]:
        """The members of workspace ``name`` and their roles."""
        return self._t.call(ops.MEMBERS_LIST, {"workspace": name})  # type: ignore[no-any-return]

    def add_member(self, name: str, user: str, role: Role | str = Role.READER) -> Member:
        """Give ``user`` a role in workspace ``name`` (replacing the one it had).

        Example:
            >>> client.workspaces.add_member("vision", "ana", "Contributor")  # doctest: +SKIP
        """
        body = MemberSet(role=Role(role))
        params = {"workspace": name, "user": user}
        return self._t.call(ops.MEMBERS_SET, params, body=body)  # type: ignore[no-any-return]

    def remove_member(self, name: str, user: str) -> None:
        """Take ``user``'s role in workspace ``name`` away."""
        self._t.call(ops.MEMBERS_REMOVE, {"workspace": name, "user": user})
