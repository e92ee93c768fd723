"""``mlflow.sklearn``: log a model, load it from ``runs:/`` and ``models:/name@alias``."""

from __future__ import annotations

import pytest

# mlflow.sklearn and mlflow.pyfunc note type hints, pandas and environment inference while
# importing, logging and loading; those are the client's own warnings, not Basalt's.
pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::DeprecationWarning", "ignore::FutureWarning"
)


def test_sklearn_log_model_and_load_from_runs_and_alias(mlflow, mlflow_client, basalt_server):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    model = LogisticRegression().fit(x, y)
    mlflow.set_experiment("sk")
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, name="model", input_example=x[:1])
    run_id = run.info.run_id

    loaded = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    assert list(loaded.predict(x)) == [0, 0, 1, 1]

    version = mlflow.register_model(f"runs:/{run_id}/model", "sk-clf")
    mlflow_client.set_registered_model_alias("sk-clf", "champion", version.version)
    by_alias = mlflow.pyfunc.load_model("models:/sk-clf@champion")
    assert list(by_alias.predict(x)) == [0, 0, 1, 1]
    native = mlflow.sklearn.load_model("models:/sk-clf@champion")
    assert isinstance(native, LogisticRegression)

    basalt_version = basalt_server.services.models.get("default", "sk-clf", version.version)
    assert basalt_version.job_name == run_id
