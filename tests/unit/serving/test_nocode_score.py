"""The no-code scoring script through a real worker process, on real models."""

from __future__ import annotations

import http.client
import json
import pickle
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from basalt.serving import nocode_score, worker

WORKER = Path(worker.__file__)
SCRIPT = Path(nocode_score.__file__)


def _serve(model_dir: Path, tmp_path: Path) -> Iterator[int]:
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(WORKER),
            "--script",
            str(SCRIPT),
            "--code",
            str(tmp_path),
            "--port-file",
            str(port_file),
        ],
        env={**__import__("os").environ, "AZUREML_MODEL_DIR": str(model_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if port_file.exists():
                port = int(port_file.read_text())
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/ready")
                if conn.getresponse().status == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"the worker did not become ready: {out[-2000:]}")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _score(port: int, body: object) -> tuple[int, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST", "/score", body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read())


@pytest.fixture
def houses():
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    x = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "rooms": [1.0, 1.0, 2.0, 2.0]})
    y = np.array([10.0, 20.0, 30.0, 40.0]) + x["rooms"].to_numpy()
    return x, y, LinearRegression().fit(x, y)


def test_mlflow_model_with_signature(houses, tmp_path):
    import mlflow.sklearn
    from mlflow.models import infer_signature

    x, y, model = houses
    folder = tmp_path / "model" / "houses"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.sklearn.save_model(model, str(folder), signature=infer_signature(x, y))
    expected = model.predict(x.head(2)).tolist()
    served = _serve(tmp_path / "model", tmp_path)
    port = next(served)
    try:
        split = {"columns": ["size", "rooms"], "index": [0, 1], "data": x.head(2).values.tolist()}
        status, body = _score(port, {"input_data": split})
        assert status == 200
        assert body == pytest.approx(expected)
        assert _score(port, {"dataframe_split": split}) == (200, pytest.approx(expected))
        swapped = {"columns": ["rooms", "size"], "data": x.head(2)[["rooms", "size"]].values}
        swapped["data"] = swapped["data"].tolist()
        assert _score(port, {"input_data": swapped}) == (200, pytest.approx(expected))
        records = x.head(2).to_dict(orient="records")
        assert _score(port, {"dataframe_records": records}) == (200, pytest.approx(expected))
        status, body = _score(port, {"input_data": {"columns": ["size"], "data": [[1.0]]}})
        assert status == 400
        assert "missing column 'rooms'" in body["error"]
        bad = {"columns": ["size", "rooms"], "data": [["big", 1.0]]}
        status, body = _score(port, {"input_data": bad})
        assert status == 400
        assert "column 'size'" in body["error"]
        status, body = _score(port, {"something": 1})
        assert status == 400
        assert "input_data" in body["error"]
    finally:
        next(served, None)


def test_pickled_estimator_with_azure_sample_request(houses, tmp_path):
    x, _, model = houses
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(pickle.dumps(model))
    served = _serve(tmp_path / "model", tmp_path)
    port = next(served)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn: feature names absent in a bare matrix
            expected = model.predict(x.head(2).to_numpy()).tolist()
        status, body = _score(port, {"data": x.head(2).to_numpy().tolist()})
        assert status == 200
        assert body == pytest.approx(expected)
    finally:
        next(served, None)


def test_a_folder_without_a_loadable_model_fails_init(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.md").write_text("no model here")
    proc = subprocess.run(
        [sys.executable, str(WORKER), "--script", str(SCRIPT), "--code", str(tmp_path)],
        env={**__import__("os").environ, "AZUREML_MODEL_DIR": str(tmp_path / "model")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == worker.EXIT_INIT_FAILED
    assert "give code_configuration with a scoring script" in proc.stdout + proc.stderr
