"""The main job on the embedded default: a workspace in a temporary folder, its training data
registered as a data asset (with a column profile), a training script submitted as a job from
its Azure ML YAML that reads that data (streamed while it runs), what the job recorded, the
model registered from the job's named output (with lineage and its metrics), a job whose
unmodified mlflow script logs to its own run, and the model deployed behind an online
endpoint and scored.

Run with ``make demo``. No server, no network.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import basalt
from basalt.spec.models import ModelCreate

HERE = Path(__file__).resolve().parent / "demo"


def main() -> int:
    """Create the workspace, submit the training job, and show what was recorded."""
    with tempfile.TemporaryDirectory(prefix="basalt-demo-") as tmp:
        ws = Path(tmp)
        cli = Path(sys.executable).with_name("basalt")

        def basalt_cli(*args: str) -> None:
            subprocess.run([str(cli), "--workspace", str(ws), *args], check=True, cwd=ws)

        subprocess.run([str(cli), "init", str(ws)], check=True)
        shutil.copytree(HERE, ws, dirs_exist_ok=True)
        register = "data create --name demo-points --type uri_file --path data/points.csv"
        print(f"\n$ basalt {register}")
        basalt_cli(*register.split())
        basalt_cli("data", "show", "demo-points")
        print("\n$ basalt job create -f job.yml --stream")
        basalt_cli("job", "create", "-f", "job.yml", "--stream")

        client = basalt.Client(path=ws)
        run = client.jobs.list(experiment_name="demo-linear", max_results=1)[0]
        print(f"\njob {run.name} ({run.display_name}) in experiment '{run.experiment_name}'")
        print(f"status   {run.status.value} after {run.duration_s:.2f}s on compute 'local'")
        print(f"history  {' → '.join(h.status.value for h in run.status_history)}")
        print(f"params   {run.params}")
        print(f"metrics  { {k: round(v, 4) for k, v in sorted(run.metrics.items())} }")
        series = client.jobs.get_metric_history(run.name, "loss")
        first, last = series.values[0], series.values[-1]
        print(f"loss     {first:.4f} -> {last:.4f} over {series.total_points} steps")
        print(f"files    {sorted(f.path for f in client.jobs.list_files(run.name))}")
        model = client.models.create_or_update(
            ModelCreate(
                name="demo-linear",
                path=f"azureml://jobs/{run.name}/outputs/model",
                description="y = wx + b",
            )
        )
        client.models.set_label(model.name, "prod", model.version)
        print(f"model    {model.name}:{model.version} ({model.flavor}) from job {model.job_name}")
        print(f"         metrics at registration {model.metrics}, label 'prod'")
        assert run.status.value == "Completed", run.error
        assert math.isclose(run.metrics["w"], 3, abs_tol=0.1), run.metrics
        print("\n$ basalt job create -f job-mlflow.yml --stream")
        basalt_cli("job", "create", "-f", "job-mlflow.yml", "--stream")
        logged = client.jobs.list(experiment_name="demo-mlflow", max_results=1)[0]
        print(f"\njob {logged.name} ({logged.display_name}): {logged.status.value}, via mlflow")
        print(f"params   {logged.params}")
        print(f"metrics  { {k: round(v, 4) for k, v in sorted(logged.metrics.items())} }")
        assert logged.status.value == "Completed", logged.error
        assert logged.params == {"lr": "0.05"}, logged.params
        print("\nThe same from the command line:")
        basalt_cli("job", "list")
        basalt_cli("job", "metrics", run.name)
        basalt_cli("model", "show", "demo-linear", "--label", "prod")
        print("\n$ basalt online-endpoint create -f endpoint.yml")
        basalt_cli("online-endpoint", "create", "-f", "endpoint.yml")
        try:
            print("$ basalt online-deployment create -f deployment.yml --all-traffic")
            basalt_cli("online-deployment", "create", "-f", "deployment.yml", "--all-traffic")
            invoke = "online-endpoint invoke --name demo-linear --request-file request.json"
            print(f"$ basalt {invoke}")
            answer = subprocess.run(
                [str(cli), "--workspace", str(ws), *invoke.split()],
                check=True,
                cwd=ws,
                capture_output=True,
                text=True,
            ).stdout
            print(answer.strip())
            predicted = json.loads(answer)
            assert [round(p) for p in predicted] == [7, 10], predicted  # y = 3x + 1
        finally:
            basalt_cli("serve", "--stop")
        print("\n$ basalt online-deployment get-metrics blue --endpoint-name demo-linear")
        basalt_cli("online-deployment", "get-metrics", "blue", "--endpoint-name", "demo-linear")
        print(f"\n$ basalt lineage demo-linear:{model.version}")
        basalt_cli("lineage", f"demo-linear:{model.version}")
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
