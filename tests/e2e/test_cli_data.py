"""``basalt data ...`` as a user drives data assets from a shell."""

from __future__ import annotations


def test_create_list_show_label_archive_download(e2e, logged_workspace, tmp_path):
    ws = logged_workspace
    folder = tmp_path / "sample-data"
    folder.mkdir()
    (folder / "iris.csv").write_text("sepal,petal\n1,2\n")
    one = ws.basalt("data", "create", "--name", "iris", "--path", folder, "-o", "json").json()
    assert (one["version"], one["type"], one["files"]) == ("1", "uri_folder", ["iris.csv"])
    two = ws.basalt(
        "data", "create", "-n", "iris", "-p", folder / "iris.csv", "-t", "uri_file",
        "--version", "v2", "-o", "json",
    ).json()  # fmt: skip
    assert (two["version"], two["type"]) == ("v2", "uri_file")
    run_uri = f"runs:/{ws.cifar_run}/outputs/model.txt"
    three = ws.basalt("data", "create", "-n", "iris", "-p", run_uri, "-o", "json").json()
    assert (three["version"], three["job_name"]) == ("2", ws.cifar_run)

    listed = ws.basalt("data", "list", "--name", "iris", "-o", "json").json()
    assert [d["version"] for d in listed] == ["2", "v2", "1"]
    table = ws.basalt("data", "list").stdout
    assert "iris" in table
    assert "uri_folder" in table
    ws.basalt("data", "update", "iris", "--version", "1", "--set-label", "prod")
    assert (
        ws.basalt("data", "show", "iris", "--label", "prod", "-o", "json").json()["version"] == "1"
    )
    assert "uri_folder" in ws.basalt("data", "show", "iris", "--version", "1").stdout
    ws.basalt("data", "archive", "iris", "--version", "2")
    assert ws.basalt("data", "show", "iris", "-o", "json").json()["version"] == "v2"
    ws.basalt("data", "restore", "iris", "--version", "2")

    out = tmp_path / "out"
    ws.basalt("data", "download", "iris", "--version", "1", "--download-path", out)
    assert (out / "iris" / "1" / "iris.csv").read_text() == "sepal,petal\n1,2\n"


def test_create_from_azure_yaml_and_errors(e2e, logged_workspace, tmp_path):
    ws = logged_workspace
    (tmp_path / "sample-data").mkdir()
    (tmp_path / "sample-data" / "titanic.csv").write_text("a\n1\n")
    spec = tmp_path / "local-folder.yml"
    spec.write_text(  # the shape of Azure ML's cli/assets/data/local-folder.yml
        "$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\n"
        "name: local-folder-example-titanic\n"
        "description: Dataset created from local folder.\n"
        "path: sample-data/\n"
        "type: uri_folder\n"
    )
    made = ws.basalt("data", "create", "-f", spec, "-o", "json").json()
    assert (made["name"], made["version"], made["files"]) == (
        "local-folder-example-titanic",
        "1",
        ["titanic.csv"],
    )
    assert made["description"] == "Dataset created from local folder."

    pinned = tmp_path / "pinned.yml"
    pinned.write_text("name: pinned\nversion: 1\npath: sample-data\n")
    ws.basalt("data", "create", "-f", pinned)
    ws.basalt("data", "create", "-f", pinned)  # same content: idempotent
    (tmp_path / "sample-data" / "titanic.csv").write_text("changed\n")
    e2e.assert_one_error_line(
        ws.basalt("data", "create", "-f", pinned, expect=None), "bump the version"
    )

    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\npath: sample-data\nformat: csv\n")
    e2e.assert_one_error_line(ws.basalt("data", "create", "-f", bad, expect=None), "format")
    folder_as_file = ws.basalt(
        "data", "create", "-n", "x", "-p", tmp_path / "sample-data", "-t", "uri_file", expect=None
    )
    e2e.assert_one_error_line(folder_as_file, "uri_folder")
    remote = ws.basalt("data", "create", "-n", "x", "-p", "https://example.com/a.csv", expect=None)
    e2e.assert_one_error_line(remote, "download it and register the local copy")
    e2e.assert_one_error_line(ws.basalt("data", "show", "nope", expect=None), "nope")
