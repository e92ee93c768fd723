"""mlflow's model-registry calls map onto Basalt's model registry (nothing stored twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

MLMODEL = "artifact_path: model\nflavors:\n  python_function:\n    loader_module: x\n"


def _log_model(mlflow, tmp_path, weights: bytes = b"weights") -> str:
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (folder / "MLmodel").write_text(MLMODEL)
    (folder / "weights.bin").write_bytes(weights)
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.9)
        mlflow.log_artifact(str(folder / "MLmodel"), artifact_path="model")
        mlflow.log_artifact(str(folder / "weights.bin"), artifact_path="model/data")
    return str(run.info.run_id)


def test_register_versions_aliases_and_basalt_view(mlflow, mlflow_client, basalt_server, tmp_path):
    import basalt

    run_id = _log_model(mlflow, tmp_path)
    v1 = mlflow.register_model(f"runs:/{run_id}/model", "clf")
    assert (v1.name, v1.version, v1.status, v1.run_id) == ("clf", "1", "READY", run_id)
    v2 = mlflow.register_model(f"runs:/{run_id}/model", "clf")  # create tolerates "exists"
    assert v2.version == "2"

    client = basalt.Client(url=basalt_server.url)
    try:
        model = client.models.get("clf", version="1")
        assert model.job_name == run_id
        assert model.metrics == {"accuracy": 0.9}
        assert sorted(model.files) == ["MLmodel", "data/weights.bin"]
        assert model.flavor == "mlflow"
    finally:
        client.close()

    mlflow_client.set_registered_model_alias("clf", "champion", "1")
    by_alias = mlflow_client.get_model_version_by_alias("clf", "champion")
    assert by_alias.version == "1"
    assert by_alias.aliases == ["champion"]
    rm = mlflow_client.get_registered_model("clf")
    assert rm.aliases == {"champion": "1"}
    mlflow_client.delete_registered_model_alias("clf", "champion")
    assert mlflow_client.get_registered_model("clf").aliases == {}

    mlflow_client.set_registered_model_tag("clf", "team", "vision")
    mlflow_client.update_registered_model("clf", description="a classifier")
    rm = mlflow_client.get_registered_model("clf")
    assert (rm.tags, rm.description) == ({"team": "vision"}, "a classifier")
    mlflow_client.delete_registered_model_tag("clf", "team")
    assert mlflow_client.get_registered_model("clf").tags == {}

    mlflow_client.set_model_version_tag("clf", "2", "k", "v")
    mlflow_client.update_model_version("clf", "2", description="second")
    got = mlflow_client.get_model_version("clf", "2")
    assert (got.tags, got.description) == ({"k": "v"}, "second")
    mlflow_client.delete_model_version_tag("clf", "2", "k")
    assert mlflow_client.get_model_version("clf", "2").tags == {}


def test_search_download_stage_and_delete(mlflow, mlflow_client, basalt_server, tmp_path):
    run_id = _log_model(mlflow, tmp_path, b"\x00\x01bytes")
    mlflow.register_model(f"runs:/{run_id}/model", "clf")
    mlflow.register_model(f"runs:/{run_id}/model", "clf")
    mlflow.register_model(f"runs:/{run_id}/model", "other")

    names = [m.name for m in mlflow_client.search_registered_models()]
    assert names == ["clf", "other"]
    assert [m.name for m in mlflow_client.search_registered_models("name = 'other'")] == ["other"]
    assert [m.name for m in mlflow_client.search_registered_models("name LIKE 'c%'")] == ["clf"]
    assert [m.name for m in mlflow_client.search_registered_models("name ILIKE 'C%'")] == ["clf"]
    found = mlflow_client.search_model_versions("name = 'clf'")
    assert sorted(v.version for v in found) == ["1", "2"]
    found = mlflow_client.search_model_versions(f"run_id = '{run_id}'")
    assert sorted((v.name, v.version) for v in found) == [
        ("clf", "1"),
        ("clf", "2"),
        ("other", "1"),
    ]

    uri = mlflow_client.get_model_version_download_uri("clf", "1")
    assert uri == "mlflow-artifacts:/models/clf/1"
    out = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path / "out"))
    assert (Path(out) / "data" / "weights.bin").read_bytes() == b"\x00\x01bytes"
    via_models = mlflow.artifacts.download_artifacts("models:/clf/1", dst_path=str(tmp_path / "m"))
    assert (Path(via_models) / "MLmodel").read_text() == MLMODEL

    # Stages are deprecated since MLflow 2.9 (the client warns) but still served.
    with pytest.warns(FutureWarning):
        staged = mlflow_client.transition_model_version_stage("clf", "1", "production")
    with pytest.warns(FutureWarning):
        latest = mlflow_client.get_latest_versions("clf", stages=["Production"])
    assert staged.current_stage == "Production"
    assert [v.version for v in latest] == ["1"]

    mlflow_client.delete_model_version("clf", "2")
    assert [v.version for v in mlflow_client.search_model_versions("name = 'clf'")] == ["1"]
    mlflow_client.delete_registered_model("other")
    assert [m.name for m in mlflow_client.search_registered_models()] == ["clf"]


def test_registry_errors(mlflow, mlflow_client, tmp_path):
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException) as missing:
        mlflow_client.get_registered_model("nope")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    run_id = _log_model(mlflow, tmp_path)
    mlflow.register_model(f"runs:/{run_id}/model", "clf")
    with pytest.raises(MlflowException) as exists:
        mlflow_client.create_registered_model("clf")
    assert exists.value.error_code == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as gone:
        mlflow_client.get_model_version("clf", "9")
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_rename_moves_versions_and_aliases_and_reserved_aliases(mlflow, mlflow_client, tmp_path):
    from mlflow.exceptions import MlflowException

    run_id = _log_model(mlflow, tmp_path)
    mlflow.register_model(f"runs:/{run_id}/model", "clf")
    mlflow.register_model(f"runs:/{run_id}/model", "clf")
    mlflow_client.set_registered_model_alias("clf", "champion", "2")
    mlflow_client.update_registered_model("clf", description="iris")
    mlflow_client.rename_registered_model("clf", "clf2")
    model = mlflow_client.get_registered_model("clf2")
    assert model.description == "iris"
    assert model.aliases == {"champion": "2"}
    assert [v.version for v in mlflow_client.search_model_versions("name='clf2'")] in (
        ["2", "1"],
        ["1", "2"],
    )
    assert mlflow_client.get_model_version("clf2", "1").run_id == run_id
    with pytest.raises(MlflowException) as gone:
        mlflow_client.get_registered_model("clf")
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    mlflow.register_model(f"runs:/{run_id}/model", "other")
    with pytest.raises(MlflowException) as taken:
        mlflow_client.rename_registered_model("other", "clf2")
    assert taken.value.error_code == "RESOURCE_ALREADY_EXISTS"
    for alias in ("latest", "v1"):
        with pytest.raises(MlflowException) as bad:
            mlflow_client.set_registered_model_alias("clf2", alias, "1")
        assert bad.value.error_code == "INVALID_PARAMETER_VALUE"


def test_registry_in_another_workspace(mlflow, basalt_server, tmp_path):
    from basalt.spec.workspaces import WorkspaceCreate

    basalt_server.services.workspaces.create_workspace(WorkspaceCreate(name="team"))
    mlflow.set_tracking_uri(basalt_server.tracking_uri("team"))
    run_id = _log_model(mlflow, tmp_path)
    version = mlflow.register_model(f"runs:/{run_id}/model", "clf")
    assert version.version == "1"
    assert basalt_server.services.models.get("team", "clf").job_name == run_id
    client = mlflow.MlflowClient(basalt_server.tracking_uri())
    assert client.search_registered_models() == []
