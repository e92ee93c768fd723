"""Loading job YAML files: kinds, Azure-only keys, --set, local paths, environments, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.environment_yaml import load_environment_file
from basalt.spec.expressions import literal_text, render
from basalt.spec.job_yaml import load_job
from basalt.spec.jobs import CommandJob, InputType, SweepJob
from basalt.spec.yaml_files import load_yaml

HELLO_WORLD = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: echo "hello world"
environment:
  image: library/python:latest
compute: azureml:cpu-cluster
"""

HELLO_IRIS = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: >-
  python main.py --iris-csv ${{inputs.iris_csv}} $[[--epochs ${{inputs.epochs}}]]
  --flag ${{inputs.flag}} --out ${{outputs.model}}
inputs:
  iris_csv:
    type: uri_file
    path: https://azuremlexamples.blob.core.windows.net/datasets/iris.csv
  epochs: 3
  flag: false
outputs:
  model:
code: src
environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
compute: azureml:cpu-cluster
display_name: sklearn-iris-example
experiment_name: sklearn-iris-example
"""

HELLO_SWEEP = """\
$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
type: sweep
trial:
  code: src
  command: >-
    python main.py --A ${{inputs.A}} --B ${{search_space.B}} --C ${{search_space.C}}
  environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
inputs:
  A: 0.5
compute: azureml:cpu-cluster
sampling_algorithm: random
search_space:
  B:
    type: choice
    values: ["hello", "world", "hello_world"]
  C:
    type: uniform
    min_value: 0.1
    max_value: 1.0
objective:
  goal: minimize
  primary_metric: random_metric
early_termination:
  type: bandit
  slack_factor: 0.1
  evaluation_interval: 1
limits:
  max_total_trials: 4
  max_concurrent_trials: 2
  timeout: 3600
display_name: hello-sweep-example
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _error(path: Path, *overrides: str) -> str:
    with pytest.raises(InvalidArgumentError) as info:
        load_job(path, overrides)
    return info.value.message


def test_hello_world(tmp_path: Path) -> None:
    loaded = load_job(_write(tmp_path, "hello-world.yml", HELLO_WORLD))
    assert isinstance(loaded.spec, CommandJob)
    assert loaded.spec.command == 'echo "hello world"'
    assert loaded.spec.environment == {"image": "library/python:latest"}
    assert loaded.spec.compute == "azureml:cpu-cluster"
    assert loaded.base_dir == tmp_path.resolve()
    assert loaded.warnings == []


def test_hello_iris_resolves_code_and_renders_command(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    loaded = load_job(_write(tmp_path, "job.yml", HELLO_IRIS))
    spec = loaded.spec
    assert isinstance(spec, CommandJob)
    assert spec.code == str((tmp_path / "src").resolve())
    assert spec.inputs["iris_csv"].path == (
        "https://azuremlexamples.blob.core.windows.net/datasets/iris.csv"
    )
    assert spec.inputs["flag"].type is InputType.BOOLEAN
    values: dict[str, str | None] = {"iris_csv": "/mnt/iris.csv", "flag": "False", "epochs": None}
    out = render(spec.command, inputs=values, outputs={"model": "/mnt/model"})
    assert out == "python main.py --iris-csv /mnt/iris.csv  --flag False --out /mnt/model"
    epochs = spec.inputs["epochs"].value
    assert epochs is not None
    values["epochs"] = literal_text(epochs)
    out = render(spec.command, inputs=values, outputs={"model": "/mnt/model"})
    assert out == "python main.py --iris-csv /mnt/iris.csv --epochs 3 --flag False --out /mnt/model"


def test_hello_sweep(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    loaded = load_job(_write(tmp_path, "sweep.yml", HELLO_SWEEP))
    spec = loaded.spec
    assert isinstance(spec, SweepJob)
    assert spec.trial.code == str((tmp_path / "src").resolve())
    assert spec.sampling_algorithm.type == "random"
    assert spec.limits.max_total_trials == 4
    assert spec.early_termination is not None
    assert spec.early_termination.type == "bandit"


def test_unknown_key_reports_file_line_and_allowed_keys(tmp_path: Path) -> None:
    text = HELLO_WORLD + "inputs:\n  data:\n    typ: uri_file\n    path: https://x/y.csv\n"
    path = _write(tmp_path, "job.yml", text)
    message = _error(path)
    assert message.startswith(
        f"{path}:8: inputs.data.typ: unknown key 'typ' (did you mean 'type'?)"
    )
    assert "allowed keys: type, path, mode, value" in message


def test_wrong_type_reports_line_and_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", HELLO_WORLD + "limits:\n  timeout: ten\n")
    assert _error(path) == f"{path}:7: limits.timeout: expected an integer, got 'ten'"


def test_bad_yaml_syntax_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", "command: echo\nenvironment: [unclosed\n")
    assert _error(path).startswith(f"{path}:3: invalid YAML:")


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", HELLO_WORLD + "command: echo again\n")
    assert _error(path) == f"{path}:6: duplicate key 'command'; keep only one"


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.yml"
    assert _error(path) == f"{path}: no such file; check the path"


def test_kind_is_required_when_there_is_no_command(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", "environment: {image: python}\n")
    assert "cannot tell what kind of job this is; add type: command" in _error(path)


def test_pipeline_is_not_supported_yet(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", "$schema: x\ntype: pipeline\njobs: {}\n")
    assert _error(path) == (
        f"{path}:2: type: pipeline jobs are not supported yet; supported: command, sweep"
    )


def test_azure_only_keys_are_dropped_with_one_warning(tmp_path: Path) -> None:
    text = (
        HELLO_WORLD
        + "identity:\n  type: user_identity\nservices:\n  my_vscode:\n    type: vs_code\n"
    )
    path = _write(tmp_path, "job.yml", text)
    loaded = load_job(path)
    assert loaded.warnings == [
        f"{path}: ignored keys that only mean something on Azure: identity (line 6), "
        "services (line 8)"
    ]


def test_overrides_apply_before_validation(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    path = _write(tmp_path, "job.yml", HELLO_IRIS)
    loaded = load_job(
        path,
        [
            "inputs.epochs=7",
            "compute=local",
            "limits.timeout=30",
            "environment_variables.X=y",
            "inputs.iris_csv=https://other/iris.csv",
        ],
    )
    spec = loaded.spec
    assert isinstance(spec, CommandJob)
    assert spec.inputs["epochs"].value == 7
    assert spec.inputs["iris_csv"].path == "https://other/iris.csv"
    assert spec.compute == "local"
    assert spec.limits is not None
    assert spec.limits.timeout == 30
    assert spec.environment_variables == {"X": "y"}


def test_override_on_a_literal_dict_input_sets_its_value(tmp_path: Path) -> None:
    text = HELLO_WORLD + "inputs:\n  n:\n    type: integer\n    default: 1\n"
    loaded = load_job(_write(tmp_path, "job.yml", text), ["inputs.n=5"])
    assert loaded.spec.inputs["n"].literal == 5


def test_bad_override_syntax(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", HELLO_WORLD)
    assert "--set 'compute': expected KEY=VALUE" in _error(path, "compute")
    assert "--set 'a..b=1': expected KEY=VALUE" in _error(path, "a..b=1")


def test_bad_override_value_is_reported_as_from_set(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", HELLO_WORLD)
    assert _error(path, "limits.timeout=ten") == (
        f"{path}: limits.timeout (from --set): expected an integer, got 'ten'"
    )


def test_missing_code_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, "job.yml", HELLO_WORLD + "code: ./src\n")
    message = _error(path)
    assert message.startswith(f"{path}:6: code: {(tmp_path / 'src').resolve()} does not exist")


def test_local_input_paths_resolved_and_file_prefix_stripped(tmp_path: Path) -> None:
    _write(tmp_path, "data/iris.csv", "a,b\n")
    text = HELLO_WORLD + (
        "inputs:\n  d:\n    type: uri_file\n    path: file:./data/iris.csv\n"
        "  remote:\n    path: azureml:iris@latest\n"
        "outputs:\n  o:\n    path: ./out\n"
    )
    spec = load_job(_write(tmp_path, "job.yml", text)).spec
    assert spec.inputs["d"].path == str((tmp_path / "data/iris.csv").resolve())
    assert spec.inputs["remote"].path == "azureml:iris@latest"
    assert spec.outputs["o"].path == str((tmp_path / "out").resolve())


def test_missing_local_input_path(tmp_path: Path) -> None:
    text = HELLO_WORLD + "inputs:\n  d:\n    path: ./missing\n"
    path = _write(tmp_path, "job.yml", text)
    assert _error(path).startswith(f"{path}:8: inputs.d.path: ")


def test_inline_environment_reads_conda_and_requirements(tmp_path: Path) -> None:
    _write(tmp_path, "env/conda.yml", "name: x\ndependencies:\n  - python=3.11\n")
    _write(tmp_path, "reqs.txt", "# pinned\nnumpy==2.0  # arrays\n\npandas\n")
    job = "command: echo\nenvironment:\n  image: python\n  conda_file: env/conda.yml\n"
    spec = load_job(_write(tmp_path, "job.yml", job)).spec
    assert isinstance(spec, CommandJob)
    assert spec.environment == {
        "image": "python",
        "conda_file": {"name": "x", "dependencies": ["python=3.11"]},
    }
    job = "command: echo\nenvironment:\n  image: python\n  conda_file: reqs.txt\n"
    spec = load_job(_write(tmp_path, "job2.yml", job)).spec
    assert isinstance(spec, CommandJob)
    assert spec.environment == {"image": "python", "pip_requirements": ["numpy==2.0", "pandas"]}


def test_build_context_reads_dockerfile_and_requirements(tmp_path: Path) -> None:
    _write(tmp_path, "ctx/Dockerfile", "FROM python:3.11\n")
    _write(tmp_path, "ctx/requirements.txt", "scikit-learn\n")
    job = "command: echo\nenvironment:\n  build:\n    path: ./ctx\n"
    spec = load_job(_write(tmp_path, "job.yml", job)).spec
    assert isinstance(spec, CommandJob)
    assert spec.environment == {
        "build": {"path": str((tmp_path / "ctx").resolve()), "dockerfile": "FROM python:3.11\n"},
        "pip_requirements": ["scikit-learn"],
    }


def test_environment_given_as_a_file(tmp_path: Path) -> None:
    _write(tmp_path, "envs/conda.yaml", "dependencies: [python=3.10]\n")
    _write(tmp_path, "envs/env.yml", "name: e\nimage: python\nconda_file: conda.yaml\n")
    job = "command: echo\nenvironment: file:./envs/env.yml\n"
    spec = load_job(_write(tmp_path, "job.yml", job)).spec
    assert isinstance(spec, CommandJob)
    assert spec.environment == {
        "name": "e",
        "image": "python",
        "conda_file": {"dependencies": ["python=3.10"]},
    }


def test_versions_keep_their_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.yml", "version: 01\nother: 01\nnested:\n  version: 10\n")
    data, lines = load_yaml(path)
    assert data == {"version": "01", "other": 1, "nested": {"version": "10"}}
    assert lines[("nested", "version")] == 4


def test_environment_file_with_azure_only_key(tmp_path: Path) -> None:
    _write(tmp_path, "conda.yml", "dependencies: [python=3.11]\n")
    text = (
        "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n"
        "name: my-env\nversion: 01\nimage: python:3.11\nconda_file: conda.yml\n"
        "inference_config:\n  liveness_route: {path: /, port: 5001}\n"
    )
    path = _write(tmp_path, "env.yml", text)
    env, warnings = load_environment_file(path)
    assert env.name == "my-env"
    assert env.version == "01"
    assert env.conda_file == {"dependencies": ["python=3.11"]}
    assert warnings == [
        f"{path}: ignored keys that only mean something on Azure: inference_config (line 6)"
    ]


def test_environment_file_unknown_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "env.yml", "name: e\nimag: python\n")
    with pytest.raises(InvalidArgumentError) as info:
        load_environment_file(path)
    assert info.value.message.startswith(f"{path}:2: imag: unknown key 'imag' (did you mean")
