"""``basalt environment ...`` as a user drives it from a shell."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def ws(e2e, tmp_path_factory):
    root = tmp_path_factory.mktemp("envs")
    e2e.basalt("init", cwd=root)

    class W:
        path = root

        @staticmethod
        def basalt(*args, expect=0):
            return e2e.basalt(*args, cwd=root, expect=expect)

    return W


def test_create_from_flags_and_conda_file_then_list_show(e2e, ws):
    made = ws.basalt(
        "environment", "create", "--name", "slim", "--image", "python:3.11-slim", "-o", "json"
    ).json()
    assert (made["name"], made["version"], made["image"]) == ("slim", "1", "python:3.11-slim")
    conda = ws.path / "conda.yml"
    conda.write_text(
        "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n"
        "  - pip:\n    - scikit-learn==1.5.2\n"
    )
    two = ws.basalt("environment", "create", "-n", "slim", "--conda-file", conda, "--version", "2")
    assert "version 2" in two.stdout
    reqs = ws.path / "requirements.txt"
    reqs.write_text("# pinned\nnumpy==2.1.0\n\npandas\n")
    pip = ws.basalt(
        "environment", "create", "-n", "pip-env", "--conda-file", reqs, "-o", "json"
    ).json()
    assert pip["pip_requirements"] == ["numpy==2.1.0", "pandas"]

    listed = ws.basalt("environment", "list", "--name", "slim", "-o", "json").json()
    assert [e["version"] for e in listed] == ["2", "1"]
    table = ws.basalt("environment", "list").stdout
    assert "NAME" in table
    assert "pip-env" in table
    assert "image python:3.11-slim" in table

    shown = ws.basalt("environment", "show", "slim", "--version", "2", "-o", "json").json()
    assert shown["conda_file"]["dependencies"][1] == {"pip": ["scikit-learn==1.5.2"]}
    text = ws.basalt("environment", "show", "slim").stdout
    assert "scikit-learn==1.5.2" in text
    assert "version: 2" in text

    ws.basalt("environment", "update", "slim", "--version", "1", "--set-label", "prod")
    assert (
        ws.basalt("environment", "show", "slim", "-l", "prod", "-o", "json").json()["version"]
        == "1"
    )
    ws.basalt("environment", "archive", "slim", "--version", "2")
    assert ws.basalt("environment", "show", "slim", "-o", "json").json()["version"] == "1"
    ws.basalt("environment", "restore", "slim", "--version", "2")
    assert ws.basalt("environment", "show", "slim", "-o", "json").json()["version"] == "2"


def test_create_from_yaml_is_idempotent(e2e, ws):
    (ws.path / "env-conda.yml").write_text("name: y\ndependencies:\n  - python=3.11\n")
    spec = ws.path / "env.yml"
    spec.write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n"
        "name: from-yaml\nversion: 1\nimage: python:3.11-slim\nconda_file: env-conda.yml\n"
        "description: from a file\n"
    )
    made = ws.basalt("environment", "create", "-f", spec, "-o", "json").json()
    assert (made["version"], made["description"]) == ("1", "from a file")
    assert made["conda_file"] == {"name": "y", "dependencies": ["python=3.11"]}
    again = ws.basalt("environment", "create", "-f", spec, "-o", "json").json()
    assert again["created_at"] == made["created_at"]


def test_errors_are_one_line(e2e, ws):
    empty = ws.basalt("environment", "create", "--name", "nothing", expect=None)
    e2e.assert_one_error_line(empty, "at least one of image")
    ws.basalt("environment", "create", "-n", "pinned", "-i", "python:3.11-slim", "-v", "7")
    clash = ws.basalt(
        "environment", "create", "-n", "pinned", "-i", "python:3.12-slim", "-v", "7", expect=None
    )
    e2e.assert_one_error_line(clash, "bump the version")
    missing = ws.basalt("environment", "show", "nope", expect=None)
    e2e.assert_one_error_line(missing, "nope")
    no_file = ws.basalt(
        "environment", "create", "-n", "x", "--conda-file", ws.path / "none.yml", expect=None
    )
    e2e.assert_one_error_line(no_file, "does not exist")
