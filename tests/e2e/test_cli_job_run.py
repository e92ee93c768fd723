"""`basalt job create/stream/cancel` as a user runs them, with job files written as Azure ML
documents them (hello world, and the scikit-learn iris example with a curated environment)."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

HELLO_WORLD = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
command: echo "hello world"
environment:
  image: library/python:latest
compute: azureml:cpu-cluster
"""

# Azure's cli/jobs/single-step/scikit-learn/iris/job.yml, with the public blob replaced by a
# local file (nothing outside this machine can be reached).
SKLEARN_IRIS = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
code: src
command: >-
  python main.py
  --iris-csv ${{inputs.iris_csv}}
  --C ${{inputs.C}}
  --kernel ${{inputs.kernel}}
  --coef0 ${{inputs.coef0}}
inputs:
  iris_csv:
    type: uri_file
    path: ./iris.csv
  C: 0.8
  kernel: "rbf"
  coef0: 0.1
environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
compute: azureml:cpu-cluster
display_name: sklearn-iris-example
experiment_name: sklearn-iris-example
description: Train a scikit-learn SVM on the Iris dataset.
"""

SKLEARN_MAIN = """\
import argparse

import mlflow
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

p = argparse.ArgumentParser()
p.add_argument("--iris-csv", type=str)
p.add_argument("--C", type=float, default=1.0)
p.add_argument("--kernel", type=str, default="rbf")
p.add_argument("--coef0", type=float, default=0)
args = p.parse_args()

with mlflow.start_run():
    df = pd.read_csv(args.iris_csv)
    X, y = df.drop(columns=["species"]), df["species"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = SVC(C=args.C, kernel=args.kernel, coef0=args.coef0).fit(X_train, y_train)
    mlflow.log_params({"C": args.C, "kernel": args.kernel})
    mlflow.log_metric("training_accuracy", model.score(X_train, y_train))
    mlflow.log_metric("test_accuracy", model.score(X_test, y_test))
print("trained the iris classifier")
"""


def _iris(path: Path) -> None:
    import random

    rng = random.Random(0)
    rows = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    centers = {"setosa": (5.0, 3.4, 1.5, 0.2), "versicolor": (5.9, 2.8, 4.3, 1.3)}
    for species, c in centers.items():
        for _ in range(50):
            rows.append(",".join(f"{v + rng.gauss(0, 0.2):.2f}" for v in c) + f",{species}")
    path.write_text("\n".join(rows) + "\n")


def test_hello_world_as_azure_writes_it(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    e2e.basalt(
        "compute", "create", "--name", "cpu-cluster", "--type", "local",
        "--max-concurrent-jobs", "2", cwd=tmp_path,
    )  # fmt: skip
    (tmp_path / "hello-world.yml").write_text(HELLO_WORLD)
    result = e2e.basalt("job", "create", "-f", "hello-world.yml", "--stream", cwd=tmp_path)
    assert "hello world" in result.stdout
    assert "Completed" in result.stdout
    jobs = e2e.basalt("job", "list", "-o", "json", cwd=tmp_path).json()
    assert jobs[0]["status"] == "Completed"
    assert jobs[0]["kind"] == "job"


def test_errors_are_one_clear_line(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    (tmp_path / "job.yml").write_text(HELLO_WORLD)
    result = e2e.basalt("job", "create", "-f", "job.yml", cwd=tmp_path, expect=1)
    e2e.assert_one_error_line(result, "cpu-cluster", "basalt compute create")

    (tmp_path / "bad.yml").write_text(
        "command: echo hi\nenvironment:\n  image: x\nlimits:\n  timeout: ten\n"
    )
    result = e2e.basalt("job", "create", "-f", "bad.yml", cwd=tmp_path, expect=1)
    e2e.assert_one_error_line(result, "bad.yml:5", "limits.timeout")

    (tmp_path / "typo.yml").write_text("command: echo hi\nenviroment: x\n")
    result = e2e.basalt("job", "create", "-f", "typo.yml", cwd=tmp_path, expect=1)
    e2e.assert_one_error_line(result, "typo.yml:2", "enviroment")


def test_failing_job_exits_non_zero_and_stream_reattaches(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    (tmp_path / "fail.yml").write_text(
        "command: echo starting; sleep 1; echo 'bad things' >&2; exit 4\n"
        "environment:\n  image: python:3.11\n"
    )
    submitted = e2e.basalt("job", "create", "-f", "fail.yml", "-o", "json", cwd=tmp_path).json()
    assert submitted["status"] in ("Queued", "Preparing", "Running")
    # A second terminal attaches to the running job and gets its outcome as exit code 1.
    result = e2e.basalt("job", "stream", submitted["name"], cwd=tmp_path, expect=1)
    assert "starting" in result.stdout
    assert "bad things" in result.stdout
    assert "Failed" in result.stdout
    assert "exited with code 4" in result.stderr


def test_cancel_from_the_cli(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    (tmp_path / "long.yml").write_text("command: sleep 60\nenvironment:\n  image: python:3.11\n")
    name = e2e.basalt("job", "create", "-f", "long.yml", "-o", "json", cwd=tmp_path).json()["name"]
    e2e.wait_for(
        lambda: (
            e2e.basalt("job", "show", name, "-o", "json", cwd=tmp_path).json()["status"]
            == "Running"
        ),
        20,
        "the job to run",
    )
    e2e.basalt("job", "cancel", name, cwd=tmp_path)
    result = e2e.basalt("job", "stream", name, cwd=tmp_path, expect=3)
    assert "Canceled" in result.stdout


def test_set_overrides_and_show(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    (tmp_path / "job.yml").write_text(
        textwrap.dedent(
            """\
            command: echo lr=${{inputs.lr}}
            inputs:
              lr: 0.1
            environment:
              image: python:3.11
            """
        )
    )
    result = e2e.basalt(
        "job", "create", "-f", "job.yml", "--set", "inputs.lr=0.01", "--stream", cwd=tmp_path
    )
    assert "lr=0.01" in result.stdout


@pytest.mark.slow
def test_sklearn_iris_job_as_azure_documents_it(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    e2e.basalt("compute", "create", "--name", "cpu-cluster", "--type", "local", cwd=tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text(SKLEARN_MAIN)
    _iris(tmp_path / "iris.csv")
    (tmp_path / "job.yml").write_text(SKLEARN_IRIS)
    env = e2e.user_env(MLFLOW_DISABLE_TELEMETRY="true")
    started = time.monotonic()
    result = e2e.basalt("job", "create", "-f", "job.yml", "--stream", cwd=tmp_path, env=env)
    assert "trained the iris classifier" in result.stdout, result
    job = e2e.basalt("job", "list", "-o", "json", cwd=tmp_path).json()[0]
    assert job["experiment_name"] == "sklearn-iris-example"
    assert job["display_name"] == "sklearn-iris-example"
    assert job["metrics"]["test_accuracy"] > 0.9
    assert job["params"]["kernel"] == "rbf"
    shown = e2e.basalt("job", "show", job["name"], "-o", "json", cwd=tmp_path).json()
    assert shown["spec"]["resolved"]["environment"]["ref"] == "curated:sklearn-1.5"
    assert time.monotonic() - started < 600
    # The same environment again is a cache hit: the log says nothing was built.
    again = e2e.basalt("job", "create", "-f", "job.yml", "--stream", cwd=tmp_path, env=env)
    assert "environment built" not in again.stdout
    assert (
        json.loads(e2e.basalt("job", "list", "-o", "json", cwd=tmp_path).stdout)[0]["status"]
        == "Completed"
    )
