"""Components behave the same in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

import pytest

from basalt.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from basalt.spec.components import ComponentCreate
from basalt.spec.environments import EnvironmentCreate

COMPONENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: train_model
display_name: Train a model
type: command
description: Trains a classifier.
tags: {team: ml}
is_deterministic: true
inputs:
  training_data:
    type: uri_folder
    description: Training rows.
  learning_rate:
    type: number
    default: 0.01
    min: 0
  max_depth:
    type: integer
    optional: true
  penalty:
    type: string
    default: l2
    enum: [l1, l2]
outputs:
  model_output:
    type: mlflow_model
code: ./src
environment: azureml:sklearn:1
command: >-
  python train.py --data ${{inputs.training_data}} --lr ${{inputs.learning_rate}}
  $[[--max-depth ${{inputs.max_depth}}]] --penalty ${{inputs.penalty}}
  --out ${{outputs.model_output}}
resources:
  instance_count: 1
distribution:
  type: pytorch
"""


@pytest.fixture
def project(tmp_path, client):
    """A component YAML beside its code folder, and the environment it names."""
    client.environments.create_or_update(EnvironmentCreate(name="sklearn", image="python:3.11"))
    root = tmp_path / "project"
    (root / "src" / "lib").mkdir(parents=True)
    (root / "src" / "train.py").write_text("print('training')\n")
    (root / "src" / "lib" / "util.py").write_text("X = 1\n")
    (root / "component.yml").write_text(COMPONENT)
    return root


def test_create_from_yaml_with_code_then_next_versions(client, project):
    one = client.components.create_or_update(project / "component.yml")
    assert (one.name, one.version, one.display_name) == ("train_model", "1", "Train a model")
    assert one.files == ["lib/util.py", "train.py"]
    assert one.resolved_environment == "sklearn:1"
    assert one.inputs["learning_rate"].default == 0.01
    assert one.inputs["max_depth"].optional is True
    assert one.inputs["penalty"].enum == ["l1", "l2"]
    assert one.outputs["model_output"].type == "mlflow_model"
    assert one.distribution == {"type": "pytorch"}
    assert one.tags == {"team": "ml"}
    assert len(one.content_hash) == 64
    assert one.created_by
    two = client.components.create_or_update(str(project / "component.yml"))
    assert two.version == "2"
    assert two.content_hash == one.content_hash
    assert client.components.get("train_model").version == "2"
    assert client.components.get("train_model@latest").version == "2"
    assert one.content().command == one.command


def test_recreate_is_idempotent_and_changed_code_is_new_content(client, project):
    yml = project / "component.yml"
    made = client.components.create_or_update(yml, version="5")
    again = client.components.create_or_update(yml, version="5")
    assert (again.version, again.created_at) == ("5", made.created_at)
    assert len(client.components.list("train_model")) == 1
    (project / "src" / "train.py").write_text("print('changed')\n")
    with pytest.raises(AlreadyExistsError, match="bump the version"):
        client.components.create_or_update(yml, version="5")
    changed = client.components.create_or_update(yml)
    assert changed.version == "6"
    assert changed.content_hash != made.content_hash
    # the same spec and code from another folder is the same content
    moved = project.rename(project.parent / "moved")
    (moved / "src" / "train.py").write_text("print('training')\n")
    assert client.components.create_or_update(moved / "component.yml", version="5").version == "5"


def test_command_naming_an_undeclared_input_is_an_error_with_its_line(client, project):
    bad = project / "bad.yml"
    bad.write_text(
        "name: bad\nenvironment: azureml:sklearn:1\ninputs:\n  a: {type: string}\n"
        "command: echo ${{inputs.b}}\n"
    )
    with pytest.raises(InvalidArgumentError) as info:
        client.components.create_or_update(bad)
    assert f"{bad}:5: command:" in str(info.value)
    assert "inputs.b" in str(info.value)
    assert "declared: a" in str(info.value)
    with pytest.raises(ValueError, match="not declared in outputs"):
        ComponentCreate(name="bad", environment="sklearn@latest", command="ls ${{outputs.o}}")


def test_missing_environment_is_named(client, project):
    with pytest.raises(NotFoundError, match="azureml:nope:3") as info:
        client.components.create_or_update(
            ComponentCreate(name="c", environment="azureml:nope:3", command="echo hi")
        )
    assert "basalt environment create" in str(info.value)
    with pytest.raises(InvalidArgumentError, match="needs an environment"):
        client.components.create_or_update(ComponentCreate(name="c", command="echo hi"))
    curated = client.components.create_or_update(
        ComponentCreate(name="c", environment="sklearn-1.5", command="echo hi")
    )
    assert curated.resolved_environment == "curated:sklearn-1.5"
    assert curated.files == []


def test_labels_archive_update_via_shared_operations(client, project):
    yml = project / "component.yml"
    client.components.create_or_update(yml)
    client.components.create_or_update(yml)
    client.components.set_label("train_model", "prod", "1")
    assert client.components.get("train_model@prod").version == "1"
    client.components.archive("train_model", "2")
    assert client.components.get("train_model").version == "1"
    assert [c.version for c in client.components.list("train_model")] == ["1"]
    assert client.components.get("train_model", version="2").archived
    client.components.restore("train_model", "2")
    updated = client.components.update("train_model", "1", tags={"stage": "ok"})
    assert updated.tags == {"stage": "ok"}
    assert [c.version for c in client.components.list(tags={"stage": "ok"})] == ["1"]
    with pytest.raises(NotFoundError, match="no version '9'"):
        client.components.get("train_model", version="9")


def test_download_restores_the_code_files(client, project, tmp_path):
    client.components.create_or_update(project / "component.yml")
    dest = client.components.download("train_model", "1", tmp_path / "out")
    assert (dest / "train.py").read_text() == "print('training')\n"
    assert (dest / "lib" / "util.py").read_text() == "X = 1\n"
    assert [f.path for f in client.components.list_files("train_model", "1")] == [
        "lib/util.py",
        "train.py",
    ]


def test_yaml_errors_name_file_line_and_key(client, project):
    typo = project / "typo.yml"
    typo.write_text(
        "name: t\nenvironment: sklearn-1.5\ninputs:\n  a:\n    typ: string\ncommand: echo\n"
    )
    with pytest.raises(InvalidArgumentError, match=r"typo.yml:5: inputs.a.typ: unknown key"):
        client.components.create_or_update(typo)
    pipeline = project / "pipe.yml"
    pipeline.write_text("name: p\ntype: pipeline\njobs: {}\n")
    with pytest.raises(InvalidArgumentError, match=r"pipe.yml:2: type: pipeline .*not supported"):
        client.components.create_or_update(pipeline)
    nocode = project / "nocode.yml"
    nocode.write_text("name: t\nenvironment: sklearn-1.5\ncode: ./missing\ncommand: echo\n")
    with pytest.raises(InvalidArgumentError, match=r"nocode.yml:3: code: .* does not exist"):
        client.components.create_or_update(nocode)
    with pytest.raises(InvalidArgumentError, match="code .* is a local folder"):
        client.components._t.call(  # a raw call without the uploaded file list
            __import__("basalt.spec.operations", fromlist=["x"]).COMPONENTS_CREATE,
            {"workspace": client.workspace_name},
            body=ComponentCreate(
                name="raw", environment="sklearn-1.5", command="echo", code=str(project)
            ),
        )


def test_an_archived_version_can_be_deleted_and_its_number_is_not_reused(client, project):
    from basalt.errors import ConflictError

    yml = project / "component.yml"
    client.components.create_or_update(yml)
    client.components.create_or_update(yml)
    with pytest.raises(ConflictError, match="archive it first"):
        client.components.delete("train_model", "2")
    client.components.archive("train_model", "2")
    client.components.delete("train_model", "2")
    with pytest.raises(NotFoundError, match="no version '2'"):
        client.components.get("train_model", version="2")
    assert client.components.create_or_update(yml).version == "3"
    events = [e.event.value for e in client.events.list(kind="component")]
    assert events == ["created", "created", "archived", "deleted", "created"]
