"""``basalt model ...`` as a user drives the registry from a shell."""

from __future__ import annotations


def test_register_list_show_label_archive_download(e2e, logged_workspace, tmp_path):
    ws = logged_workspace
    model = tmp_path / "clf"
    model.mkdir()
    (model / "model.onnx").write_bytes(b"onnx")
    one = ws.basalt("model", "create", "--name", "clf", "--path", model, "-o", "json").json()
    assert (one["version"], one["flavor"]) == ("1", "onnx")
    run_uri = f"runs:/{ws.cifar_run}/outputs/model.txt"
    two = ws.basalt("model", "create", "-n", "clf", "-p", run_uri, "-o", "json").json()
    assert two["version"] == "2"
    assert two["job_name"] == ws.cifar_run
    assert two["metrics"]["accuracy"] == 0.9

    listed = ws.basalt("model", "list", "--name", "clf", "-o", "json").json()
    assert [m["version"] for m in listed] == ["2", "1"]
    ws.basalt("model", "update", "clf", "--version", "1", "--set-label", "prod")
    assert (
        ws.basalt("model", "show", "clf", "--label", "prod", "-o", "json").json()["version"] == "1"
    )
    ws.basalt("model", "archive", "clf", "--version", "2")
    assert ws.basalt("model", "show", "clf", "-o", "json").json()["version"] == "1"
    ws.basalt("model", "restore", "clf", "--version", "2")

    out = tmp_path / "out"
    ws.basalt("model", "download", "clf", "--version", "1", "--download-path", out)
    assert (out / "clf" / "1" / "model.onnx").read_bytes() == b"onnx"

    table = ws.basalt("model", "compare", "clf").stdout
    assert "metrics.accuracy" in table
    assert "v1" in table
    assert "v2" in table
    compared = ws.basalt("model", "compare", "clf", "-o", "json").json()
    assert [m["version"] for m in compared["versions"]] == ["1", "2"]
    assert compared["versions"][1]["metrics"]["accuracy"] == 0.9
    assert "size" in compared["differing"]
    one = ws.basalt("model", "compare", "clf", "-v", "1", "-o", "json").json()
    assert [m["version"] for m in one["versions"]] == ["1"]


def test_create_from_yaml_and_errors(e2e, logged_workspace, tmp_path):
    ws = logged_workspace
    (tmp_path / "weights.pt").write_bytes(b"torch")
    spec = tmp_path / "model.yml"
    spec.write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\n"
        "name: yml-model\nversion: 3\npath: weights.pt\ntype: custom_model\n"
        "description: from yaml\ntags:\n  team: ml\n"
    )
    made = ws.basalt("model", "create", "-f", spec, "-o", "json").json()
    assert (made["version"], made["flavor"], made["tags"]) == ("3", "pytorch", {"team": "ml"})

    again = ws.basalt("model", "create", "-f", spec, expect=None)
    e2e.assert_one_error_line(again, "already exists")
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\npath: weights.pt\nframework: sklearn\n")
    e2e.assert_one_error_line(ws.basalt("model", "create", "-f", bad, expect=None), "framework")
    missing = ws.basalt("model", "create", "-n", "x", "-p", tmp_path / "nope", expect=None)
    e2e.assert_one_error_line(missing, "does not exist")
