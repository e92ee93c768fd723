"""Datastore YAML files: Azure ML's shapes per type, unknown keys reported with file:line."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.datastore_yaml import load_datastore_yaml
from basalt.spec.datastores import DatastoreType


def test_azure_blob_with_sas_and_defaults(tmp_path):
    file = tmp_path / "blob.yml"
    file.write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json\n"
        "name: blob_sas\ntype: azure_blob\naccount_name: acct\ncontainer_name: data\n"
        "credentials:\n  sas_token: sv=2024&sig=abc\n"
    )
    body = load_datastore_yaml(file)
    assert (body.type, body.endpoint, body.protocol) == (
        DatastoreType.AZURE_BLOB,
        "core.windows.net",
        "https",
    )
    assert body.credentials is not None
    assert body.credentials.sas_token is not None
    assert "abc" not in repr(body)  # masked in reprs


def test_adls_s3_and_local(tmp_path):
    (tmp_path / "adls.yml").write_text(
        "name: gen2\ntype: azure_data_lake_gen2\naccount_name: a\nfilesystem: fs\n"
        "credentials:\n  tenant_id: t\n  client_id: c\n  client_secret: s\n"
    )
    assert load_datastore_yaml(tmp_path / "adls.yml").filesystem == "fs"
    (tmp_path / "s3.yml").write_text("name: b\ntype: s3\nbucket: bk\nregion: eu-west-1\n")
    assert load_datastore_yaml(tmp_path / "s3.yml").bucket == "bk"
    (tmp_path / "local.yml").write_text("name: l\ntype: local\npath: ./data\n")
    assert load_datastore_yaml(tmp_path / "local.yml").path == str(tmp_path / "data")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: b\ntype: s3\nbucket: x\ncontainer_name: y\n", "x.yml:4: container_name"),
        ("name: b\ntype: s4\n", "x.yml:2: type: 's4' is not a datastore type"),
        ("name: b\ntype: s3\n", "bucket"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path, text, needle):
    (tmp_path / "x.yml").write_text(text)
    with pytest.raises(InvalidArgumentError) as err:
        load_datastore_yaml(tmp_path / "x.yml")
    assert needle in err.value.message
