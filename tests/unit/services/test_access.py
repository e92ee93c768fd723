"""``AccessService.authorize`` over the whole role table."""

from __future__ import annotations

import pytest

from basalt.errors import NotFoundError, PermissionDeniedError
from basalt.services.access import least_role
from basalt.spec.auth import (
    LOCAL,
    ROLE_PERMISSIONS,
    Permission,
    Principal,
    Role,
    UserCreate,
    required_permission,
)
from basalt.spec.workspaces import WorkspaceCreate

# One operation for each permission an operation can require.
OPERATIONS = {
    Permission.READ: ("runs.get", "GET"),
    Permission.WRITE: ("runs.create", "POST"),
    Permission.MANAGE: ("members.set", "PUT"),
    Permission.ADMIN: ("users.create", "POST"),
    Permission.SELF: ("tokens.list", "GET"),
}


@pytest.fixture
def access(services):  # type: ignore[no-untyped-def]
    services.workspaces.create_workspace(WorkspaceCreate(name="a"))
    for role in Role:
        name = role.value.replace(" ", "-").lower()
        services.identity.create_user(UserCreate(name=name))
        services.access.add_member(LOCAL, "a", name, role)
    services.identity.create_user(UserCreate(name="outsider"))
    services.identity.create_user(UserCreate(name="boss", admin=True))
    return services.access


def test_the_operations_require_what_the_table_says():
    for permission, (operation, method) in OPERATIONS.items():
        assert required_permission(operation, method) == permission


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(OPERATIONS))
def test_members_get_exactly_their_roles_permissions(access, role, permission):  # type: ignore[no-untyped-def]
    who = Principal(role.value.replace(" ", "-").lower())
    operation, method = OPERATIONS[permission]
    allowed = permission == Permission.SELF or permission in ROLE_PERMISSIONS[role]
    if allowed:
        access.authorize(who, operation, method, "a")
    else:
        with pytest.raises(PermissionDeniedError) as raised:
            access.authorize(who, operation, method, "a")
        needed = least_role(permission)
        assert (needed is None) or needed.value in raised.value.message


@pytest.mark.parametrize("permission", list(OPERATIONS))
def test_admins_may_do_everything(access, permission):  # type: ignore[no-untyped-def]
    operation, method = OPERATIONS[permission]
    access.authorize(Principal("boss", is_admin=True), operation, method, "a")
    access.authorize(LOCAL, operation, method, "a")


@pytest.mark.parametrize("permission", [Permission.READ, Permission.WRITE, Permission.MANAGE])
def test_non_members_are_told_the_workspace_does_not_exist(access, permission):  # type: ignore[no-untyped-def]
    operation, method = OPERATIONS[permission]
    with pytest.raises(NotFoundError, match="Workspace 'a' not found"):
        access.authorize(Principal("outsider"), operation, method, "a")
    with pytest.raises(NotFoundError, match="Workspace 'nope' not found"):
        access.authorize(Principal("owner"), operation, method, "nope")


@pytest.mark.parametrize("role", [Role.READER, Role.CONTRIBUTOR])
def test_service_principals_act_in_one_workspace_with_one_role(access, role):  # type: ignore[no-untyped-def]
    bot = Principal("owner", token_id="tok_x", service_workspace="a", service_role=role)
    access.authorize(bot, "runs.get", "GET", "a")
    if role == Role.CONTRIBUTOR:
        access.authorize(bot, "runs.create", "POST", "a")
    else:
        with pytest.raises(PermissionDeniedError, match="Contributor"):
            access.authorize(bot, "runs.create", "POST", "a")
    with pytest.raises(PermissionDeniedError, match="Owner"):
        access.authorize(bot, "members.set", "PUT", "a")
    with pytest.raises(NotFoundError):
        access.authorize(bot, "runs.get", "GET", "default")
    with pytest.raises(PermissionDeniedError):
        access.authorize(bot, "users.list", "GET", None)
    assert access.visible_workspaces(bot) == {"a"}


def test_visible_workspaces(access):  # type: ignore[no-untyped-def]
    assert access.visible_workspaces(LOCAL) is None
    assert access.visible_workspaces(Principal("reader")) == {"a"}
    assert access.visible_workspaces(Principal("outsider")) == set()
