"""Compute targets behave the same in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError
from basalt.spec.compute import ComputeCreate, ComputeType, ComputeUpdate


def test_every_workspace_has_local(client):
    local = client.compute.get("local")
    assert local.type == ComputeType.LOCAL
    assert local.max_concurrent_jobs == max(1, (os.cpu_count() or 2) // 2)
    client.workspaces.create("fresh")
    other = type(client)(transport=client.transport, workspace="fresh")
    assert [c.name for c in other.compute.list()] == ["local"]


def test_create_get_list_update_delete(client):
    made = client.compute.create_or_update(
        ComputeCreate(name="cpu", max_concurrent_jobs=3, description="big box", tags={"a": "1"})
    )
    assert (made.name, made.type, made.max_concurrent_jobs) == ("cpu", ComputeType.LOCAL, 3)
    assert made.created_by
    with pytest.raises(AlreadyExistsError, match="already exists"):
        client.compute.create(ComputeCreate(name="cpu"))
    assert [c.name for c in client.compute.list()] == ["cpu", "local"]
    changed = client.compute.update("cpu", max_concurrent_jobs=5)
    assert (changed.max_concurrent_jobs, changed.description) == (5, "big box")
    changed = client.compute.update("cpu", ComputeUpdate(tags={}))
    assert (changed.tags, changed.max_concurrent_jobs) == ({}, 5)
    # create_or_update on an existing name changes only what was given.
    again = client.compute.create_or_update(ComputeCreate(name="cpu", description="x"))
    assert (again.description, again.max_concurrent_jobs) == ("x", 5)
    like = SimpleNamespace(name="cpu", max_concurrent_jobs=2, type="local")
    assert client.compute.begin_create_or_update(like).max_concurrent_jobs == 2
    client.compute.begin_delete("cpu")
    with pytest.raises(NotFoundError, match="basalt compute create --name cpu --type local"):
        client.compute.get("cpu")
    with pytest.raises(NotFoundError):
        client.compute.delete("cpu")


def test_local_cannot_be_deleted_and_limits_are_checked(client):
    with pytest.raises(ConflictError, match="cannot be deleted"):
        client.compute.delete("local")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        client.compute.update("local", max_concurrent_jobs=0)  # checked before sending
    with pytest.raises(NotFoundError, match="basalt compute create"):
        client.compute.update("nope", max_concurrent_jobs=2)
