"""``basalt component ...`` as a user drives it from a shell."""

from __future__ import annotations

import pytest

COMPONENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: prep_data
display_name: Prepare data
version: 1
type: command
inputs:
  raw:
    type: uri_folder
    description: Raw rows.
  ratio:
    type: number
    default: 0.2
  seed:
    type: integer
    optional: true
outputs:
  train:
    type: uri_folder
    description: Training split.
code: ./src
environment: sklearn-1.5
command: >-
  python prep.py --raw ${{inputs.raw}} --ratio ${{inputs.ratio}}
  $[[--seed ${{inputs.seed}}]] --train ${{outputs.train}}
"""


@pytest.fixture(scope="module")
def ws(e2e, tmp_path_factory):
    root = tmp_path_factory.mktemp("components")
    e2e.basalt("init", cwd=root)
    (root / "src").mkdir()
    (root / "src" / "prep.py").write_text("print('prep')\n")
    (root / "component.yml").write_text(COMPONENT)

    class W:
        path = root

        @staticmethod
        def basalt(*args, expect=0):
            return e2e.basalt(*args, cwd=root, expect=expect)

    return W


def test_create_list_show_update_archive_download(ws):
    made = ws.basalt("component", "create", "-f", "component.yml", "-o", "json").json()
    assert (made["name"], made["version"], made["files"]) == ("prep_data", "1", ["prep.py"])
    again = ws.basalt("component", "create", "-f", "component.yml")
    assert "version 1" in again.stdout  # same content: idempotent
    two = ws.basalt(
        "component", "create", "-f", "component.yml", "--version", "2",
        "--set", "inputs.ratio.default=0.3", "-o", "json",
    ).json()  # fmt: skip
    assert (two["version"], two["inputs"]["ratio"]["default"]) == ("2", 0.3)

    listed = ws.basalt("component", "list", "--name", "prep_data", "-o", "json").json()
    assert [c["version"] for c in listed] == ["2", "1"]
    table = ws.basalt("component", "list").stdout
    assert "prep_data" in table
    assert "raw, ratio, seed" in table

    shown = ws.basalt("component", "show", "prep_data", "--version", "1").stdout
    assert "Raw rows." in shown
    assert "uri_folder" in shown
    assert "default 0.2" in shown
    assert "output" in shown
    assert "Training split." in shown
    assert "command: python prep.py" in shown
    assert "environment: curated:sklearn-1.5" in shown

    ws.basalt("component", "update", "prep_data", "--version", "1", "--set-label", "prod")
    prod = ws.basalt("component", "show", "prep_data", "-l", "prod", "-o", "json").json()
    assert prod["version"] == "1"
    ws.basalt("component", "archive", "prep_data", "--version", "2")
    assert ws.basalt("component", "show", "prep_data", "-o", "json").json()["version"] == "1"
    ws.basalt("component", "restore", "prep_data", "--version", "2")

    out = ws.basalt(
        "component", "download", "prep_data", "--version", "1", "--download-path", "out"
    )
    assert "Downloaded to" in out.stdout
    assert (ws.path / "out" / "prep_data" / "1" / "prep.py").read_text() == "print('prep')\n"


def test_errors_name_the_file_line_and_what_to_do(ws):
    (ws.path / "bad.yml").write_text(
        "name: bad\nenvironment: sklearn-1.5\ncommand: echo ${{inputs.missing}}\n"
    )
    bad = ws.basalt("component", "create", "-f", "bad.yml", expect=1)
    assert "bad.yml:3: command:" in bad.stderr
    assert "inputs.missing" in bad.stderr
    (ws.path / "noenv.yml").write_text("name: noenv\nenvironment: azureml:nowhere:1\ncommand: ls\n")
    missing = ws.basalt("component", "create", "-f", "noenv.yml", expect=1)
    assert "azureml:nowhere:1" in missing.stderr
    assert "not found" in missing.stderr
    ws.basalt("component", "create", "-f", "component.yml")  # version 1, as the file says
    changed = ws.basalt(
        "component", "create", "-f", "component.yml", "--set", "command=ls", expect=1
    )
    assert "already exists with different content" in changed.stderr


def test_names_with_colons_print_as_written(capsys):
    """rich must not turn ':ghost:' of azureml:ghost:1 into an emoji."""
    from basalt.cli.output import say

    say("environment azureml:ghost:1 not found")
    assert "azureml:ghost:1" in capsys.readouterr().out
