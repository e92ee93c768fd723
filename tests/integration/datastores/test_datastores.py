"""Datastores against real servers on loopback: a folder, moto S3 and Azurite (Azure Blob)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from basalt.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
)
from basalt.spec.datastores import MASK, CredentialType, DatastoreCreate, DatastoreType
from basalt.spec.secrets import SecretSet


def _container(azurite: Any) -> str:
    from azure.storage.blob import BlobServiceClient

    name = f"c{uuid.uuid4().hex[:12]}"
    BlobServiceClient.from_connection_string(azurite.connection_string()).create_container(name)
    return name


def s3_body(s3: Any, name: str = "my_s3", secret: str = "testing") -> DatastoreCreate:
    return DatastoreCreate.model_validate(
        {
            "name": name,
            "type": "s3",
            "bucket": s3.bucket,
            "endpoint_url": s3.endpoint_url,
            "region": "us-east-1",
            "credentials": {"access_key_id": "testing", "secret_access_key": secret},
        }
    )


def blob_body(azurite: Any, container: str, name: str = "my_blob", **creds: str) -> DatastoreCreate:
    return DatastoreCreate.model_validate(
        {
            "name": name,
            "type": "azure_blob",
            "account_name": azurite.account,
            "container_name": container,
            "account_url": azurite.blob_url,
            "credentials": creds or {"account_key": azurite.key},
        }
    )


def _roundtrip(services: Any, name: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.txt").write_text("beta")
    assert services.datastores.upload("default", name, "in/folder", src) == 2
    got = services.datastores.download("default", name, "in/folder", tmp_path / "dl")
    assert sorted(p.relative_to(tmp_path / "dl").as_posix() for p in got) == ["a.txt", "sub/b.txt"]
    one = services.datastores.download("default", name, "in/folder/a.txt", tmp_path / "one")
    assert [p.read_text() for p in one] == ["alpha"]
    listed = services.datastores.listing("default", name, "in/folder")
    assert [(f.path, f.size) for f in listed] == [("a.txt", 5), ("sub/b.txt", 4)]
    with pytest.raises(NotFoundError, match=f"azureml://datastores/{name}/paths/nothing"):
        services.datastores.download("default", name, "nothing", tmp_path / "x")


def test_builtins_are_listed_and_kept(services, tmp_path):
    names = [d.name for d in services.datastores.list("default")]
    assert names == ["workspaceartifactstore", "workspaceblobstore"]
    assert services.datastores.get("default", "workspaceblobstore").is_default
    with pytest.raises(ConflictError, match="built in"):
        services.datastores.delete("default", "workspaceblobstore")
    body = DatastoreCreate(name="workspaceartifactstore", type=DatastoreType.LOCAL, path="/tmp")
    with pytest.raises(AlreadyExistsError, match="built in"):
        services.datastores.create("default", body)
    _roundtrip(services, "workspaceartifactstore", tmp_path)


def test_local_datastore(services, tmp_path):
    folder = tmp_path / "lake"
    body = DatastoreCreate(name="lake", type=DatastoreType.LOCAL, path=str(folder))
    with pytest.raises(InvalidArgumentError, match="does not exist.*--skip-validation"):
        services.datastores.create("default", body)
    folder.mkdir()
    made = services.datastores.create("default", body)
    assert (made.type, made.credential_type, made.credentials) == (
        DatastoreType.LOCAL,
        CredentialType.NONE,
        {},
    )
    with pytest.raises(AlreadyExistsError, match="already exists"):
        services.datastores.create("default", body)
    _roundtrip(services, "lake", tmp_path)
    assert (folder / "in" / "folder" / "sub" / "b.txt").read_text() == "beta"
    with pytest.raises(InvalidArgumentError, match=r"\.\."):
        services.datastores.download("default", "lake", "../x", tmp_path / "x")
    services.datastores.delete("default", "lake")
    with pytest.raises(NotFoundError, match="basalt datastore create"):
        services.datastores.get("default", "lake")


def test_bad_names_settings_and_credential_shapes(services):
    with pytest.raises(InvalidArgumentError, match="only letters"):
        services.datastores.create(
            "default", DatastoreCreate(name="a b", type=DatastoreType.LOCAL, path="/tmp")
        )
    with pytest.raises(InvalidArgumentError, match="does not take bucket"):
        services.datastores.create(
            "default",
            DatastoreCreate(name="x", type=DatastoreType.LOCAL, path="/tmp", bucket="b"),
        )
    with pytest.raises(InvalidArgumentError, match="needs container_name"):
        services.datastores.create(
            "default", DatastoreCreate(name="x", type=DatastoreType.AZURE_BLOB, account_name="a")
        )
    body = DatastoreCreate.model_validate(
        {
            "name": "x",
            "type": "s3",
            "bucket": "b",
            "credentials": {"access_key_id": "k"},
            "skip_validation": True,
        }
    )
    with pytest.raises(InvalidArgumentError, match="access_key_id, secret_access_key"):
        services.datastores.create("default", body)


@pytest.mark.s3
def test_s3_datastore_credentials_in_the_vault(services, s3_server, tmp_path):
    made = services.datastores.create("default", s3_body(s3_server))
    assert made.credential_type == CredentialType.ACCESS_KEY
    assert made.credentials == {"access_key_id": MASK, "secret_access_key": MASK}
    assert made.bucket == s3_server.bucket
    _roundtrip(services, "my_s3", tmp_path)
    # the credentials are a reserved vault secret: not listed, not readable as a user secret
    assert services.secrets.list_secrets("default") == []
    with pytest.raises(InvalidArgumentError, match="must not contain '/'"):
        services.secrets.reveal_secret("default", "datastores/my_s3")
    with pytest.raises(InvalidArgumentError, match="must not contain '/'"):
        services.secrets.set_secret("default", "datastores/my_s3", SecretSet(value=SecretStr("x")))
    services.datastores.delete("default", "my_s3")
    assert services.secrets.reveal_reserved("default", "datastores/my_s3") is None


@pytest.mark.s3
def test_s3_bad_credentials_fail_clearly_unless_skipped(services, s3_server):
    body = DatastoreCreate.model_validate(
        {**s3_body(s3_server, "bad").model_dump(), "bucket": "no-such-bucket"}
    )
    with pytest.raises(InvalidArgumentError) as err:
        services.datastores.create("default", body)
    assert "Datastore 'bad' failed validation" in err.value.message
    assert "no-such-bucket" in err.value.message
    assert "--skip-validation" in err.value.message
    skipped = body.model_copy(update={"skip_validation": True})
    assert services.datastores.create("default", skipped).name == "bad"


def test_azure_blob_with_account_key_and_sas(services, azurite_server, tmp_path):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    container = _container(azurite_server)
    made = services.datastores.create("default", blob_body(azurite_server, container))
    assert made.credentials == {"account_key": MASK}
    assert made.credential_type == CredentialType.ACCOUNT_KEY
    _roundtrip(services, "my_blob", tmp_path / "key")
    sas = generate_container_sas(
        account_name=azurite_server.account,
        container_name=container,
        account_key=azurite_server.key,
        permission=ContainerSasPermissions(read=True, write=True, list=True, delete=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    made = services.datastores.create(
        "default", blob_body(azurite_server, container, "by_sas", sas_token=sas)
    )
    assert (made.credential_type, made.credentials) == (CredentialType.SAS, {"sas_token": MASK})
    got = services.datastores.download("default", "by_sas", "in/folder/a.txt", tmp_path / "s")
    assert [p.read_text() for p in got] == ["alpha"]


def test_azure_blob_bad_key_fails_without_showing_it(services, azurite_server):
    container = _container(azurite_server)
    wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ=="
    body = blob_body(azurite_server, container, "bad_blob", account_key=wrong)
    with pytest.raises(InvalidArgumentError) as err:
        services.datastores.create("default", body)
    message = err.value.message
    assert "Datastore 'bad_blob' failed validation" in message
    assert container in message
    assert wrong not in message
    assert azurite_server.key not in message
    with pytest.raises(NotFoundError):
        services.datastores.get("default", "bad_blob")


def test_wasbs_uri_of_a_registered_container_is_a_data_reference(
    services, azurite_server, tmp_path
):
    from basalt.spec.data import DataCreate

    container = _container(azurite_server)
    services.datastores.create("default", blob_body(azurite_server, container, "blobs"))
    src = tmp_path / "f.csv"
    src.write_text("x\n1\n")
    services.datastores.upload("default", "blobs", "tables/f.csv", src)
    uri = f"wasbs://{container}@{azurite_server.account}.blob.core.windows.net/tables"
    made = services.data.create("default", DataCreate(name="t", path=uri))
    assert (made.size, made.files, made.path) == (4, [], uri)
    other = f"wasbs://{container}@elsewhere.blob.core.windows.net/tables"
    with pytest.raises(InvalidArgumentError, match="no datastore of this workspace covers"):
        services.data.create("default", DataCreate(name="t", path=other))
