"""``mlflow.sklearn.autolog()`` inside a Basalt job, embedded mode, through the SDK.

The job runs with Basalt's own interpreter (``image`` alone), which has mlflow-skinny and
scikit-learn from the dev extra; its runner points ``MLFLOW_TRACKING_URI`` and
``MLFLOW_RUN_ID`` at its loopback API, so autolog and ``basalt.log_metric`` land on one run.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

TRAIN = textwrap.dedent(
    """
    import mlflow
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import basalt

    mlflow.sklearn.autolog()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] + 0.1 * rng.normal(size=60) > 0).astype(int)
    with mlflow.start_run():
        LogisticRegression(C=0.5).fit(x, y)
    basalt.log_metric("custom", 1.0)
    print("autologged")
    """
)


def test_sklearn_autolog_inside_a_job_lands_on_the_job_run(workspace_dir: Path, tmp_path: Path):
    import basalt
    from basalt.spec.runs import RunStatus

    code = tmp_path / "src"
    code.mkdir()
    (code / "train.py").write_text(TRAIN)
    client = basalt.Client(path=workspace_dir)
    try:
        job = basalt.command(
            code=str(code),
            command="python train.py",
            environment={"image": "python:3.11-slim"},
            environment_variables={"MLFLOW_DISABLE_TELEMETRY": "true"},
            experiment_name="autolog",
        )
        name = client.jobs.create_or_update(job).name
        log = io.StringIO()
        run = client.jobs.stream(name, out=log)
    finally:
        client.close()
    assert run.status == RunStatus.COMPLETED, log.getvalue()
    assert "autologged" in log.getvalue()
    assert run.params["C"] == "0.5"  # autolog's params
    assert 0.5 < run.metrics["training_score"] <= 1.0  # autolog's metrics
    assert run.metrics["custom"] == 1.0  # basalt's own logging, same run
    assert run.tags.get("estimator_name") == "LogisticRegression"
    # mlflow's end of run did not end the job early: the runner still finalized it.
    assert RunStatus.FINALIZING in [h.status for h in run.status_history]
