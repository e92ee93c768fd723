"""An unchanged MLflow script: inside a Basalt job it logs to the job's own run."""

import mlflow

with mlflow.start_run() as run:
    mlflow.log_param("lr", 0.05)
    loss = 1.0
    for step in range(5):
        loss *= 0.6
        mlflow.log_metric("loss", loss, step=step)
    mlflow.log_metric("accuracy", 1 - loss)
print(f"logged with mlflow to run {run.info.run_id}: final loss {loss:.4f}")
