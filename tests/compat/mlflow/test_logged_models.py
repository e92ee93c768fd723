"""MLflow 3 logged models: ``mlflow.pyfunc.log_model`` and loading back, with the real client."""

from __future__ import annotations

import httpx
import pytest

# mlflow.pyfunc warns about type hints, pandas and environment inference while importing and
# logging; those are the client's own notes, not Basalt's.
pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::DeprecationWarning", "ignore::FutureWarning"
)


@pytest.fixture
def add_one():  # type: ignore[no-untyped-def]
    import mlflow.pyfunc

    class AddOne(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
        def predict(self, context, model_input: list[int], params=None) -> list[int]:  # type: ignore[no-untyped-def]
            return [x + 1 for x in model_input]

    return AddOne()


def test_pyfunc_log_model_and_load_back(mlflow, mlflow_client, basalt_server, add_one):
    from basalt import Client

    mlflow.set_experiment("logged")
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=add_one)
    run_id = run.info.run_id
    model_id = info.model_id
    assert model_id.startswith("m-")
    assert len(model_id) == 34
    model = mlflow_client.get_logged_model(model_id)
    assert model.status.to_proto() == 2  # READY
    assert model.source_run_id == run_id
    assert model.artifact_location == f"mlflow-artifacts:/runs/{run_id}/models/{model_id}"

    assert list(mlflow.pyfunc.load_model(f"runs:/{run_id}/model").predict([1, 2])) == [2, 3]
    assert list(mlflow.pyfunc.load_model(f"models:/{model_id}").predict([5])) == [6]

    files = [f.path for f in Client(url=basalt_server.url).jobs.list_files(run_id)]
    assert f"models/{model_id}/MLmodel" in files

    found = mlflow_client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id='{run_id}' AND name='model'"
    )
    assert [m.model_id for m in found] == [model_id]
    assert list(mlflow_client.search_logged_models(["123456"])) == []


def test_logged_model_tags_params_and_delete(mlflow, mlflow_client):
    exp_id = mlflow_client.create_experiment("lm")
    run = mlflow_client.create_run(exp_id)
    model = mlflow_client.create_logged_model(
        exp_id, name="m", source_run_id=run.info.run_id, params={"a": "1"}, tags={"t": "x"}
    )
    assert model.status.to_proto() == 1  # PENDING
    mlflow_client.set_logged_model_tags(model.model_id, {"u": "y"})
    mlflow_client.delete_logged_model_tag(model.model_id, "t")
    mlflow_client.log_model_params(model.model_id, {"b": "2"})
    got = mlflow_client.get_logged_model(model.model_id)
    assert got.tags == {"u": "y"}
    assert got.params == {"a": "1", "b": "2"}
    assert [m.model_id for m in mlflow_client.search_logged_models([exp_id])] == [model.model_id]
    mlflow_client.delete_logged_model(model.model_id)
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        mlflow_client.get_logged_model(model.model_id)
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_logged_model_without_a_run_is_refused(basalt_server):
    response = httpx.post(
        f"{basalt_server.url}/api/2.0/mlflow/logged-models",
        json={"experiment_id": "0", "name": "m"},
    )
    assert response.status_code == 400
    assert "source_run_id" in response.json()["message"]


def test_register_a_logged_model(mlflow, add_one, basalt_server):
    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=add_one)
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "m")
    assert version.version == "1"
    assert version.run_id == run.info.run_id
    loaded = mlflow.pyfunc.load_model("models:/m/1")
    assert list(loaded.predict([1])) == [2]
    basalt_model = basalt_server.services.models.get("default", "m", "1")
    assert basalt_model.job_name == run.info.run_id
    assert info.model_id
