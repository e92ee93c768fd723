"""``basalt datastore ...`` as a user drives it from a shell: YAML in, credentials never out."""

from __future__ import annotations

import uuid

import pytest


def test_local_datastore_yaml_create_list_show_delete(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)

    def run(*args, expect=0):
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    (tmp_path / "lake").mkdir()
    (tmp_path / "ds.yml").write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/localDatastore.schema.json\n"
        "name: lake\ntype: local\npath: ./lake\ndescription: my folder\n"
    )
    made = run("datastore", "create", "-f", "ds.yml", "-o", "json").json()
    assert (made["name"], made["type"], made["path"]) == ("lake", "local", str(tmp_path / "lake"))
    listed = run("datastore", "list", "-o", "json").json()
    assert [d["name"] for d in listed] == ["lake", "workspaceartifactstore", "workspaceblobstore"]
    table = run("datastore", "list").stdout
    assert "workspaceblobstore (default)" in table
    assert "CREDENTIALS" in table
    assert "my folder" in run("datastore", "show", "lake").stdout
    e2e.assert_one_error_line(run("datastore", "create", "-f", "ds.yml", expect=None), "exists")
    run("datastore", "delete", "lake", "--yes")
    e2e.assert_one_error_line(run("datastore", "show", "lake", expect=None), "not found")
    e2e.assert_one_error_line(
        run("datastore", "delete", "workspaceblobstore", "--yes", expect=None), "built in"
    )

    (tmp_path / "typo.yml").write_text("name: t\ntype: local\npath: ./lake\ncontainer: x\n")
    e2e.assert_one_error_line(
        run("datastore", "create", "-f", "typo.yml", expect=None), "typo.yml:4", "container"
    )
    (tmp_path / "kind.yml").write_text("name: t\ntype: azure_file\n")
    e2e.assert_one_error_line(
        run("datastore", "create", "-f", "kind.yml", expect=None), "kind.yml:2", "azure_blob"
    )
    (tmp_path / "gone.yml").write_text("name: gone\ntype: local\npath: ./nope\n")
    e2e.assert_one_error_line(
        run("datastore", "create", "-f", "gone.yml", expect=None), "--skip-validation"
    )
    run("datastore", "create", "-f", "gone.yml", "--skip-validation")


@pytest.mark.s3
def test_s3_yaml_credentials_masked_and_checked(e2e, tmp_path, s3_server):
    e2e.basalt("init", cwd=tmp_path)
    secret = f"cli-{uuid.uuid4().hex}"

    def run(*args, expect=0):
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    def yaml(name: str, bucket: str) -> str:
        path = tmp_path / f"{name}.yml"
        path.write_text(
            f"name: {name}\ntype: s3\nbucket: {bucket}\nendpoint_url: {s3_server.endpoint_url}\n"
            f"credentials:\n  access_key_id: AKID\n  secret_access_key: {secret}\n"
        )
        return path.name

    made = run("datastore", "create", "-f", yaml("good", s3_server.bucket), "-o", "json")
    assert made.json()["credentials"] == {"access_key_id": "****", "secret_access_key": "****"}
    shown = run("datastore", "show", "good")
    assert "****" in shown.stdout
    assert secret not in shown.stdout + shown.stderr
    assert secret not in run("datastore", "list", "-o", "json").stdout
    assert run("secret", "list", "-o", "json").json() == []
    bad = run("datastore", "create", "-f", yaml("bad", "missing-bucket"), expect=None)
    line = e2e.assert_one_error_line(bad, "Datastore 'bad' failed validation", "missing-bucket")
    assert secret not in line
    run("datastore", "create", "-f", "bad.yml", "--skip-validation")
