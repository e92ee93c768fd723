"""The no-code batch scoring script in-process: loaders, file formats, output rows, errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from basalt.serving import nocode_batch


@pytest.fixture
def fitted():  # type: ignore[no-untyped-def]
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    x = pd.DataFrame({"size": [1.0, 2.0, 3.0], "rooms": [1.0, 2.0, 2.0]})
    return x, LinearRegression().fit(x, 10 * x["size"] + x["rooms"])


def test_joblib_estimator_scores_csv_and_parquet(fitted, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import joblib

    x, model = fitted
    (tmp_path / "model").mkdir()
    joblib.dump(model, tmp_path / "model" / "model.joblib")
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(tmp_path / "model"))
    nocode_batch.init()
    x[["rooms", "size"]].to_csv(tmp_path / "a.csv", index=False)  # passed in fit order
    files = [str(tmp_path / "a.csv")]
    try:
        x.head(2).to_parquet(tmp_path / "b.parquet")
        files.append(str(tmp_path / "b.parquet"))
    except ImportError:  # no pyarrow: CSV only
        pass
    rows = nocode_batch.run(files)
    expected = model.predict(x).tolist()
    assert [r[:2] for r in rows[:3]] == [("a.csv", 0), ("a.csv", 1), ("a.csv", 2)]
    assert [r[2] for r in rows[:3]] == pytest.approx(expected)
    if len(files) == 2:
        assert [r[:2] for r in rows[3:]] == [("b.parquet", 0), ("b.parquet", 1)]
        assert [r[2] for r in rows[3:]] == pytest.approx(expected[:2])


def test_pickled_estimator_errors_name_the_file(fitted, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    _, model = fitted
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(pickle.dumps(model))
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(tmp_path))
    nocode_batch.init()
    (tmp_path / "bad.csv").write_text("size\n1.0\n")
    with pytest.raises(
        ValueError, match="bad.csv is missing column 'rooms' that the model was fit"
    ):
        nocode_batch.run([str(tmp_path / "bad.csv")])


def test_no_loadable_model_says_what_to_give(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "weights.bin").write_bytes(b"\0")
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="give the deployment code_configuration"):
        nocode_batch.init()


def test_multi_output_predictions_are_json() -> None:
    import numpy as np

    assert nocode_batch._values(np.array([[1, 2], [3, 4]]), 2) == ["[1, 2]", "[3, 4]"]
    with pytest.raises(ValueError, match="3 predictions for 2 rows"):
        nocode_batch._values(np.array([1, 2, 3]), 2)
