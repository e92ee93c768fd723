"""Datastores behave the same in-process, over HTTP, and on PostgreSQL; credentials stay masked."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from basalt.errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from basalt.spec.datastores import MASK, CredentialType, DatastoreCreate, DatastoreType

SECRET = "s3cr3t-value-that-must-not-leak"


@pytest.mark.s3
def test_create_get_list_delete_masked(client, s3_server):
    body = DatastoreCreate.model_validate(
        {
            "name": "lake",
            "type": "s3",
            "bucket": s3_server.bucket,
            "endpoint_url": s3_server.endpoint_url,
            "credentials": {"access_key_id": "testing", "secret_access_key": SECRET},
            "skip_validation": True,  # moto accepts any key; the vault still holds this one
        }
    )
    made = client.datastores.create(body)
    assert made.credentials == {"access_key_id": MASK, "secret_access_key": MASK}
    assert made.created_by
    with pytest.raises(AlreadyExistsError):
        client.datastores.create(body)
    got = client.datastores.get("lake")
    assert (got.type, got.credential_type) == (DatastoreType.S3, CredentialType.ACCESS_KEY)
    listed = client.datastores.list()
    assert [d.name for d in listed] == ["lake", "workspaceartifactstore", "workspaceblobstore"]
    for item in (made, got, *listed):
        assert SECRET not in json.dumps(item.model_dump(mode="json"))
    assert client.datastores.get_default().name == "workspaceblobstore"
    assert client.secrets.list() == []
    # create_or_update replaces the settings
    changed = client.datastores.create_or_update(
        body.model_copy(update={"description": "moved", "credentials": None})
    )
    assert (changed.description, changed.credentials) == ("moved", {})
    client.datastores.delete("lake")
    with pytest.raises(NotFoundError, match="basalt datastore create"):
        client.datastores.get("lake")
    with pytest.raises(ConflictError, match="built in"):
        client.datastores.delete("workspaceblobstore")


def test_local_from_any_object_and_bad_input(client, tmp_path):
    like = SimpleNamespace(name="folder", type="local", path=str(tmp_path))
    made = client.datastores.create_or_update(like)
    assert (made.path, made.credential_type) == (str(tmp_path), CredentialType.NONE)
    missing = DatastoreCreate(name="gone", type=DatastoreType.LOCAL, path=str(tmp_path / "no"))
    with pytest.raises(InvalidArgumentError, match="Datastore 'gone'.*does not exist"):
        client.datastores.create(missing)
    assert client.datastores.create(missing, skip_validation=True).name == "gone"
