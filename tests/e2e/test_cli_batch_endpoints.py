"""``basalt batch-endpoint`` / ``batch-deployment`` as a user drives them: 1,000 rows in several
CSV files, a scoring script written as Azure ML's documentation shows, one poisoned file."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

ENDPOINT = """\
$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json
name: heart-classifier
description: A heart condition classifier for batch inference
auth_mode: aad_token
"""

DEPLOYMENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
endpoint_name: heart-classifier
name: classifier-custom
description: A classifier with a custom scoring script
type: model
model:
  path: ./model
code_configuration:
  code: code
  scoring_script: batch_driver.py
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
resources:
  instance_count: 2
settings:
  max_concurrency_per_instance: 1
  mini_batch_size: 2
  output_action: append_row
  output_file_name: predictions.csv
  retry_settings:
    max_retries: 2
    timeout: 30
  error_threshold: -1
  logging_level: info
"""

# As Azure's heart-classifier-mlflow/deployment-custom/code/batch_driver.py: init() loads the
# model from AZUREML_MODEL_DIR, run(mini_batch) reads each file and returns a DataFrame.
SCORING_SCRIPT = """\
import os
import pickle

import pandas as pd


def init():
    global model
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.pkl")
    with open(model_path, "rb") as fh:
        model = pickle.load(fh)


def run(mini_batch):
    results = []
    for file_path in mini_batch:
        data = pd.read_csv(file_path)
        if "poisoned" in os.path.basename(file_path):
            raise ValueError(f"{os.path.basename(file_path)} has no age column")
        data["prediction"] = (data["age"] > model["threshold"]).astype(int)
        data["file"] = os.path.basename(file_path)
        results.append(data[["file", "id", "prediction"]])
    return pd.concat(results)
"""


def _project(root: Path) -> None:
    (root / "model").mkdir()
    with (root / "model" / "model.pkl").open("wb") as fh:
        pickle.dump({"threshold": 50}, fh)
    (root / "code").mkdir()
    (root / "code" / "batch_driver.py").write_text(SCORING_SCRIPT)
    (root / "endpoint.yml").write_text(ENDPOINT)
    (root / "deployment.yml").write_text(DEPLOYMENT)
    data = root / "heart-data"
    data.mkdir()
    for part in range(4):  # 4 files x 250 rows; mini-batches [0, 1], [2, 3], [poisoned]
        with (data / f"part-{part}.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "age"])
            for i in range(250):
                row = part * 250 + i
                writer.writerow([row, 20 + row % 60])
    (data / "poisoned.csv").write_text("id,weight\n1,80\n")


def test_batch_scoring_with_a_poisoned_file(e2e, tmp_path):  # type: ignore[no-untyped-def]
    e2e.basalt("init", cwd=tmp_path)
    _project(tmp_path)

    def run(*args, expect=0):  # type: ignore[no-untyped-def]
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    run("batch-endpoint", "create", "-f", "endpoint.yml")
    made = run("batch-deployment", "create", "-f", "deployment.yml")
    assert "the endpoint's default" in made.stdout
    shown = run("batch-endpoint", "show", "heart-classifier", "-o", "json").json()
    assert shown["default_deployment"] == "classifier-custom"

    # error_threshold -1: the job completes without the poisoned file's mini-batch.
    job = run(
        "batch-endpoint", "invoke", "-n", "heart-classifier", "--input", "heart-data", "-o", "json"
    )
    name = job.json()["name"]
    streamed = run("job", "stream", name)
    log = streamed.stdout + streamed.stderr
    assert "poisoned.csv has no age column" in log
    assert "failed on try 1 of 3" in log
    assert "failed after 3 tries" in log
    assert "mini-batches: 3/3 done" not in log
    assert "mini-batches: 2/3 done, 1 failed" in log
    run("job", "download", name, "--output-name", "score", "-p", "out")
    (predictions,) = (tmp_path / "out").rglob("predictions.csv")
    rows = list(csv.reader(predictions.read_text().splitlines()))
    assert len(rows) == 1000
    assert {r[0] for r in rows} == {f"part-{i}.csv" for i in range(4)}
    assert sorted(int(r[1]) for r in rows) == list(range(1000))
    (progress,) = (tmp_path / "out").rglob("progress.json")
    assert '"mini_batches_failed": 1' in progress.read_text()
    jobs = run("batch-endpoint", "list-jobs", "heart-classifier", "-o", "json").json()
    assert jobs[0]["status"] == "Completed"
    assert (jobs[0]["mini_batches_done"], jobs[0]["mini_batches_failed"]) == (2, 1)

    # error_threshold 0: the same input fails the job, naming the file and the error.
    run(
        "batch-deployment",
        "update",
        "-n",
        "classifier-custom",
        "-e",
        "heart-classifier",
        "--set",
        "settings.error_threshold=0",
        "--set",
        "settings.retry_settings.max_retries=0",
    )
    failed = run(
        "batch-endpoint", "invoke", "heart-classifier", "-i", "heart-data", "--stream", expect=1
    )
    assert "exceed error_threshold 0 (poisoned.csv: ValueError: poisoned.csv has no age" in (
        failed.stdout + failed.stderr
    )
    shown_job = run("batch-endpoint", "list-jobs", "heart-classifier", "-o", "json").json()[0]
    assert shown_job["status"] == "Failed"
    assert "poisoned.csv" in shown_job["error"]

    # The model is in use while deployed.
    e2e.assert_one_error_line(
        run(
            "model", "archive", "heart-classifier-classifier-custom", "--version", "1", expect=None
        ),
        "batch-deployment heart-classifier/classifier-custom",
    )


NOCODE_DEPLOYMENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
endpoint_name: houses
name: mlflow
type: model
model:
  path: ./model
settings:
  mini_batch_size: 1
  retry_settings:
    max_retries: 0
  error_threshold: 1
"""


def test_nocode_mlflow_batch_deployment(e2e, tmp_path):  # type: ignore[no-untyped-def]
    """No scoring script, no environment: an MLflow model scored with Basalt's own Python."""
    import warnings

    import mlflow.sklearn
    import pandas as pd
    import pytest
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    e2e.basalt("init", cwd=tmp_path)
    x = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "rooms": [1.0, 1.0, 2.0, 3.0]})
    y = 10 * x["size"] + x["rooms"]
    model = LinearRegression().fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.sklearn.save_model(
            model, str(tmp_path / "model"), signature=infer_signature(x, y.to_numpy())
        )
    data = tmp_path / "houses"
    data.mkdir()
    goods = {
        "a.csv": pd.DataFrame({"rooms": [1.0, 2.0, 4.0], "size": [5.0, 6.0, 7.0]}),
        "b.csv": pd.DataFrame({"size": [0.5, 9.0], "rooms": [2.0, 1.0]}),
    }
    for name, frame in goods.items():
        frame.to_csv(data / name, index=False)
    (data / "c.csv").write_text("size\n1.0\n")
    (tmp_path / "endpoint.yml").write_text("name: houses\n")
    (tmp_path / "deployment.yml").write_text(NOCODE_DEPLOYMENT)

    def run(*args, expect=0):  # type: ignore[no-untyped-def]
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    run("batch-endpoint", "create", "-f", "endpoint.yml")
    run("batch-deployment", "create", "-f", "deployment.yml")
    streamed = run("batch-endpoint", "invoke", "-n", "houses", "-i", "houses", "--stream")
    log = streamed.stdout + streamed.stderr
    assert "c.csv is missing column 'rooms' that the model's signature requires" in log
    assert "mini-batches: 2/3 done, 1 failed" in log
    job = run("batch-endpoint", "list-jobs", "houses", "-o", "json").json()[0]
    assert job["status"] == "Completed"
    run("job", "download", job["name"], "--output-name", "score", "-p", "out")
    (predictions,) = (tmp_path / "out").rglob("predictions.csv")
    rows = sorted(csv.reader(predictions.read_text().splitlines()))
    expected = sorted(
        [name, str(i), value]
        for name, frame in goods.items()
        for i, value in enumerate(model.predict(frame[["size", "rooms"]]).tolist())
    )
    assert [r[:2] for r in rows] == [r[:2] for r in expected]
    assert [float(r[2]) for r in rows] == pytest.approx([r[2] for r in expected])
