"""Rendering of ${{ }} expressions and $[[ ]] optional blocks in commands."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.expressions import literal_text, references, render


def test_renders_inputs_outputs_with_spaces_inside_braces() -> None:
    out = render(
        "python main.py --iris-csv ${{ inputs.iris_csv }} --out ${{outputs.model}}",
        inputs={"iris_csv": "/data/iris.csv"},
        outputs={"model": "/outputs/model"},
    )
    assert out == "python main.py --iris-csv /data/iris.csv --out /outputs/model"


def test_optional_block_kept_when_input_given_and_dropped_otherwise() -> None:
    template = "python train.py --data ${{inputs.data}} $[[--lr ${{inputs.lr}}]]"
    given = render(template, inputs={"data": "/d", "lr": "0.01"})
    assert given == "python train.py --data /d --lr 0.01"
    missing = render(template, inputs={"data": "/d", "lr": None})
    assert missing == "python train.py --data /d "


def test_bare_input_in_optional_block_quirk() -> None:
    template = "python train.py --registered_model_name $[[inputs.name]]"
    assert render(template, inputs={"name": "m"}) == "python train.py --registered_model_name m"
    assert render(template, inputs={"name": None}) == "python train.py --registered_model_name "


def test_search_space_name_and_default_datastore() -> None:
    out = render(
        "echo ${{search_space.c}} ${{name}} ${{default_datastore}}",
        inputs={},
        search_space={"c": "0.5"},
        name="job-1",
        default_datastore="workspaceblobstore",
    )
    assert out == "echo 0.5 job-1 workspaceblobstore"


def test_unknown_input_names_it_and_the_declared_ones() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        render("echo ${{inputs.lrr}}", inputs={"lr": "1", "epochs": "2"}, where="trial.command")
    assert info.value.message == (
        "trial.command: ${{inputs.lrr}} refers to no declared inputs entry; declared: epochs, lr"
    )


def test_parent_reference_outside_pipeline_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError, match=r"\$\{\{parent.inputs.x\}\}.*pipeline"):
        render("echo ${{parent.inputs.x}}", inputs={})


def test_required_input_missing_outside_optional_block() -> None:
    with pytest.raises(InvalidArgumentError, match="input 'data' is used outside a"):
        render("echo ${{inputs.data}}", inputs={"data": None})


def test_name_unknown_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError, match=r"\$\{\{name\}\} is not known here"):
        render("echo ${{name}}", inputs={})


def test_references_lists_all_including_quirk() -> None:
    assert references("a ${{inputs.x}} $[[ ${{ outputs.y }} ]] $[[inputs.z]] ${{name}}") == {
        "inputs.x",
        "outputs.y",
        "inputs.z",
        "name",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "True"), (False, "False"), (0.01, "0.01"), (1e-05, "1e-05"), (3, "3"), ("rbf", "rbf")],
)
def test_literal_text(value: str | int | float | bool, text: str) -> None:
    assert literal_text(value) == text
