"""Command and sweep job models: short forms, defaults and validation messages."""

from __future__ import annotations

from typing import Any

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.jobs import (
    BanditPolicy,
    Choice,
    CommandJob,
    InputType,
    JobInput,
    OutputType,
    SamplingAlgorithm,
    SweepJob,
    Uniform,
    parse_job,
)


def _command(**extra: Any) -> dict[str, Any]:
    return {"command": "echo hi", "environment": {"image": "python:3.11"}, **extra}


def test_bare_literal_inputs_become_typed_inputs() -> None:
    job = parse_job(
        _command(inputs={"lr": 0.01, "epochs": 3, "flag": True, "kernel": "rbf", "p": "./x"})
    )
    assert isinstance(job, CommandJob)
    assert job.inputs["lr"] == JobInput(type=InputType.NUMBER, value=0.01)
    assert job.inputs["epochs"].type is InputType.INTEGER
    assert job.inputs["flag"].value is True
    assert job.inputs["kernel"].is_literal
    assert job.inputs["p"] == JobInput(type=InputType.STRING, value="./x")


def test_data_input_defaults_to_uri_folder() -> None:
    job = parse_job(_command(inputs={"data": {"path": "/tmp/data"}}))
    assert job.inputs["data"].type is InputType.URI_FOLDER
    assert not job.inputs["data"].is_literal


def test_data_input_without_path_says_what_to_add() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_job(_command(inputs={"data": {"type": "uri_file"}}))
    assert info.value.message == (
        "inputs.data: a uri_file input needs a path; add path: <file or folder>"
    )


def test_literal_dict_value_is_coerced_to_its_type() -> None:
    job = parse_job(_command(inputs={"n": {"type": "integer", "value": "4"}}))
    assert job.inputs["n"].value == 4
    with pytest.raises(InvalidArgumentError, match="inputs.n: expected an integer, got 'four'"):
        parse_job(_command(inputs={"n": {"type": "integer", "value": "four"}}))


def test_outputs_written_without_value_are_uri_folders() -> None:
    job = parse_job(_command(outputs={"a": None, "b": {}, "c": {"type": "uri_file"}}))
    assert job.outputs["a"].type is OutputType.URI_FOLDER
    assert job.outputs["b"].type is OutputType.URI_FOLDER
    assert job.outputs["c"].type is OutputType.URI_FILE


def test_environment_variables_and_tags_coerced_to_text() -> None:
    job = parse_job(_command(environment_variables={"N": 2, "B": True}, tags={"v": 1.5}))
    assert job.environment_variables == {"N": "2", "B": "True"}
    assert job.tags == {"v": "1.5"}


def test_command_must_not_be_blank() -> None:
    with pytest.raises(InvalidArgumentError, match="command must not be empty"):
        parse_job(_command(command="  "))


def test_command_referencing_an_undeclared_input() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_job(_command(command="python t.py ${{inputs.lrr}}", inputs={"lr": 1}))
    assert "${{inputs.lrr}} is not declared in inputs; declared: lr" in info.value.message


def test_schema_alias_and_unknown_key() -> None:
    job = parse_job(_command(**{"$schema": "https://x/commandJob.schema.json"}))
    assert job.schema_ == "https://x/commandJob.schema.json"
    with pytest.raises(
        InvalidArgumentError, match="unknown key 'comand' \\(did you mean 'command'"
    ):
        parse_job(_command(comand="x"))


def test_limits_timeout_must_be_positive() -> None:
    with pytest.raises(
        InvalidArgumentError, match="limits.timeout: input should be greater than 0"
    ):
        parse_job(_command(limits={"timeout": 0}))


def _sweep(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "sweep",
        "trial": {"command": "python t.py --c ${{search_space.c}}", "code": "/src"},
        "search_space": {
            "c": {"type": "choice", "values": [0.1, 1]},
            "lr": {"type": "uniform", "min_value": 0.001, "max_value": 0.1},
        },
        "objective": {"goal": "maximize", "primary_metric": "acc"},
        "limits": {"max_total_trials": 4, "max_concurrent_trials": 2},
    }
    data.update(extra)
    return data


def test_sweep_parses_distributions_sampling_and_policy() -> None:
    job = parse_job(
        _sweep(
            sampling_algorithm="random",
            early_termination={"type": "bandit", "slack_factor": 0.1, "evaluation_interval": 2},
        )
    )
    assert isinstance(job, SweepJob)
    assert job.search_space["c"] == Choice(values=[0.1, 1])
    assert isinstance(job.search_space["lr"], Uniform)
    assert job.sampling_algorithm == SamplingAlgorithm(type="random")
    assert job.early_termination == BanditPolicy(slack_factor=0.1, evaluation_interval=2)


def test_sampling_algorithm_dict_form() -> None:
    job = parse_job(_sweep(sampling_algorithm={"type": "random", "seed": 7, "rule": "sobol"}))
    assert isinstance(job, SweepJob)
    assert job.sampling_algorithm.seed == 7


def test_grid_needs_choice_parameters() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_job(_sweep(sampling_algorithm="grid"))
    assert "grid sampling needs choice parameters, but search_space.lr is uniform" in (
        info.value.message
    )


def test_concurrent_trials_cannot_exceed_total() -> None:
    with pytest.raises(InvalidArgumentError, match=r"max_concurrent_trials \(5\) must not exceed"):
        parse_job(_sweep(limits={"max_total_trials": 4, "max_concurrent_trials": 5}))


def test_unknown_distribution_type_lists_the_known_ones() -> None:
    space = {"c": {"type": "choise", "values": [1]}}
    with pytest.raises(InvalidArgumentError) as info:
        parse_job(_sweep(search_space=space))
    assert info.value.message.startswith("search_space.c: unknown type 'choise'; expected one of")


def test_unknown_key_inside_a_distribution_lists_allowed_keys() -> None:
    space = {"lr": {"type": "uniform", "min": 0, "max_value": 1}}
    with pytest.raises(InvalidArgumentError) as info:
        parse_job(_sweep(search_space=space))
    assert info.value.message.startswith("search_space.lr.min: unknown key 'min'")
    assert "allowed keys: min_value, max_value, type" in info.value.message


def test_bandit_needs_one_slack() -> None:
    with pytest.raises(InvalidArgumentError, match="exactly one of slack_factor or slack_amount"):
        parse_job(_sweep(early_termination={"type": "bandit"}))


def test_unknown_job_type() -> None:
    with pytest.raises(InvalidArgumentError, match="job type 'pipeline' is not supported"):
        parse_job({"type": "pipeline"})
