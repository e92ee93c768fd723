"""The model registry behaves the same in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

import pytest

from basalt.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from basalt.spec.models import ModelCreate, ModelType
from basalt.spec.runs import LogBatch, MetricPoint, RunCreate


@pytest.fixture
def model_dir(tmp_path):
    d = tmp_path / "model"
    (d / "sub").mkdir(parents=True)
    (d / "model.pkl").write_bytes(b"pickle-bytes")
    (d / "sub" / "notes.txt").write_text("hello")
    return d


def test_versions_are_next_integers_and_content_is_recorded(client, model_dir):
    one = client.models.create_or_update(ModelCreate(name="clf", path=str(model_dir)))
    two = client.models.create_or_update(ModelCreate(name="clf", path=str(model_dir)))
    assert (one.version, two.version) == ("1", "2")
    assert one.files == ["model.pkl", "sub/notes.txt"]
    assert one.size == len(b"pickle-bytes") + 5
    assert one.flavor == "sklearn"
    assert one.type == ModelType.CUSTOM
    assert one.content_hash == two.content_hash  # same bytes, stored once
    assert client.models.get("clf").version == "2"
    assert client.models.get("clf@latest").version == "2"
    assert client.models.get("clf", version="1").version == "1"


def test_given_version_and_duplicate(client, model_dir):
    client.models.create_or_update(ModelCreate(name="m", version="7", path=str(model_dir)))
    with pytest.raises(AlreadyExistsError):
        client.models.create_or_update(ModelCreate(name="m", version="7", path=str(model_dir)))
    assert client.models.create_or_update(ModelCreate(name="m", path=str(model_dir))).version == "8"
    assert (
        client.models.create_or_update(
            ModelCreate(name="m", version="beta", path=str(model_dir))
        ).version
        == "beta"
    )


def test_missing_or_empty_path_names_it(client, tmp_path):
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        client.models.create_or_update(ModelCreate(name="m", path=str(tmp_path / "nope")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidArgumentError, match="empty folder"):
        client.models.create_or_update(ModelCreate(name="m", path=str(tmp_path / "empty")))


def test_labels_archive_restore_update(client, model_dir):
    for _ in range(3):
        client.models.create_or_update(ModelCreate(name="lab", path=str(model_dir)))
    client.models.set_label("lab", "prod", "1")
    assert client.models.get("lab", label="prod").version == "1"
    assert client.models.get("lab@prod").labels == ["prod"]
    client.models.set_label("lab", "prod", "2")  # moving a label
    assert client.models.get("lab", label="prod").version == "2"
    client.models.archive("lab", "3")
    assert client.models.get("lab").version == "2"
    assert [m.version for m in client.models.list("lab")] == ["2", "1"]
    assert client.models.get("lab", version="3").archived
    client.models.restore("lab", "3")
    assert client.models.get("lab").version == "3"
    updated = client.models.update("lab", "1", description="first", tags={"stage": "old"})
    assert (updated.description, updated.tags) == ("first", {"stage": "old"})
    assert [m.version for m in client.models.list(tags={"stage": "old"})] == ["1"]
    with pytest.raises(NotFoundError):
        client.models.get("lab", label="nope")
    with pytest.raises(InvalidArgumentError):
        client.models.set_label("lab", "latest", "1")


def test_register_from_run_records_lineage_and_metrics(client, tmp_path):
    run = client.jobs.create_run(RunCreate())
    client.jobs.log_batch(
        run.name, LogBatch(metrics=[MetricPoint(key="acc", value=0.9, step=0, timestamp=1)])
    )
    src = tmp_path / "MLmodel"
    src.write_text("flavors:\n  python_function: {}\n  sklearn: {}\n")
    client.jobs.upload_file(run.name, src, "model/MLmodel")
    model = client.models.create_or_update(ModelCreate(name="r", path=f"runs:/{run.name}/model"))
    assert model.job_name == run.name
    assert model.metrics == {"acc": 0.9}
    assert model.files == ["MLmodel"]
    assert model.type == ModelType.MLFLOW
    assert model.flavors == ["python_function", "sklearn"]
    az = client.models.create_or_update(
        ModelCreate(name="r", path=f"azureml://jobs/{run.name}/outputs/model/MLmodel")
    )
    assert az.files == ["MLmodel"]
    assert az.content_hash == model.content_hash
    with pytest.raises(InvalidArgumentError):
        client.models.create_or_update(ModelCreate(name="r", path=f"runs:/{run.name}/none"))


def test_download_writes_the_files(client, model_dir, tmp_path):
    client.models.create_or_update(ModelCreate(name="dl", path=str(model_dir)))
    out = client.models.download("dl", "1", tmp_path / "out")
    assert (out / "model.pkl").read_bytes() == b"pickle-bytes"
    assert (out / "sub" / "notes.txt").read_text() == "hello"


def test_model_like_objects_and_job_lineage_for_local_paths(client, model_dir):
    from types import SimpleNamespace

    run = client.jobs.create_run(RunCreate())
    client.jobs.log_batch(
        run.name, LogBatch(metrics=[MetricPoint(key="f1", value=0.5, step=0, timestamp=1)])
    )
    like = SimpleNamespace(
        name="like", version=4, path=str(model_dir), type="custom_model", job_name=run.name
    )
    made = client.models.create_or_update(like)
    assert (made.version, made.job_name, made.metrics) == ("4", run.name, {"f1": 0.5})
    again = client.models.create_or_update(made.model_copy(update={"version": "5"}))
    assert again.version == "5"
    assert again.content_hash == made.content_hash
    with pytest.raises(NotFoundError):
        client.models.create_or_update(ModelCreate(name="x", path=str(model_dir), job_name="no"))


def test_leading_zero_versions_do_not_move_the_next_integer(client, model_dir):
    client.models.create_or_update(ModelCreate(name="z", version="09", path=str(model_dir)))
    assert client.models.create_or_update(ModelCreate(name="z", path=str(model_dir))).version == "1"


def test_mlflow_model_signature_and_input_example_are_recorded(client, tmp_path):
    import warnings

    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    x = pd.DataFrame({"size": [1.0, 2.0, 3.0], "rooms": [1.0, 1.0, 2.0]})
    y = np.array([10.0, 20.0, 31.0])
    model = LinearRegression().fit(x, y)
    path = tmp_path / "mlflow-model"
    with warnings.catch_warnings():  # mlflow's own pandas deprecations, not ours
        warnings.simplefilter("ignore")
        mlflow.sklearn.save_model(
            model, str(path), signature=infer_signature(x, y), input_example=x.head(2)
        )
    registered = client.models.create_or_update(ModelCreate(name="houses", path=str(path)))
    assert registered.flavor == "mlflow"
    assert registered.type == ModelType.MLFLOW
    assert [c["name"] for c in registered.signature["inputs"]] == ["size", "rooms"]
    assert registered.signature["outputs"][0]["type"] == "tensor"
    example = registered.input_example
    assert example is not None
    assert "size" in str(example)
    import pickle

    (tmp_path / "plain.pkl").write_bytes(pickle.dumps(model))
    plain = client.models.create_or_update(
        ModelCreate(name="plain", path=str(tmp_path / "plain.pkl"))
    )
    assert plain.flavor == "sklearn"
    assert plain.signature is None
    assert plain.input_example is None
