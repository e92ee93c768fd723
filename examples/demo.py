"""The main job on the embedded default: a workspace in a temporary folder, a small training
loop that logs params, metrics over steps and an output file, what was recorded, and the model
registered from the run (with lineage and its metrics at registration).

Run with ``make demo``. No server, no network.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import basalt
from basalt.spec.models import ModelCreate


def train(client: basalt.Client, workdir: Path) -> str:
    """Fit y = 3x + 1 with SGD, logging as a real training script would."""
    rng = random.Random(0)
    data = [(x, 3 * x + 1 + rng.gauss(0, 0.1)) for x in (rng.uniform(-1, 1) for _ in range(256))]
    w, b, lr = 0.0, 0.0, 0.1
    with basalt.start_run(
        experiment_name="demo-linear", display_name="sgd lr=0.1", client=client
    ) as run:
        basalt.log_params({"lr": lr, "epochs": 30, "samples": len(data)})
        basalt.set_tag("model", "linear")
        for epoch in range(30):
            loss = 0.0
            for x, y in data:
                err = (w * x + b) - y
                w -= lr * err * x / len(data) * 8
                b -= lr * err / len(data) * 8
                loss += err * err
            basalt.log_metrics({"loss": loss / len(data), "w": w, "b": b}, step=epoch)
        out = workdir / "outputs"
        out.mkdir(exist_ok=True)
        (out / "model.txt").write_text(f"w={w:.4f}\nb={b:.4f}\n")
        basalt.log_artifact(out / "model.txt", "outputs")
    return run.name


def main() -> int:
    """Create the workspace, train, and show what was recorded."""
    with tempfile.TemporaryDirectory(prefix="basalt-demo-") as tmp:
        ws = Path(tmp)
        basalt_cli = Path(sys.executable).with_name("basalt")
        subprocess.run([str(basalt_cli), "init", str(ws)], check=True)
        client = basalt.Client(path=ws)
        name = train(client, ws)
        run = client.jobs.get(name)
        print(f"\nrun {run.name} ({run.display_name}) in experiment '{run.experiment_name}'")
        print(f"status   {run.status.value} after {run.duration_s:.2f}s")
        print(f"params   {run.params}")
        print(f"metrics  { {k: round(v, 4) for k, v in sorted(run.metrics.items())} }")
        series = client.jobs.get_metric_history(name, "loss")
        first, last = series.values[0], series.values[-1]
        print(f"loss     {first:.4f} -> {last:.4f} over {series.total_points} steps")
        print(f"files    {[f.path for f in client.jobs.list_files(name)]}")
        model = client.models.create_or_update(
            ModelCreate(name="demo-linear", path=f"runs:/{name}/outputs", description="y = wx + b")
        )
        client.models.set_label(model.name, "prod", model.version)
        print(f"model    {model.name}:{model.version} ({model.flavor}) from run {model.job_name}")
        print(f"         metrics at registration {model.metrics}, label 'prod'")
        assert math.isclose(run.metrics["w"], 3, abs_tol=0.1), run.metrics
        print("\nThe same from the command line:")
        subprocess.run([str(basalt_cli), "--workspace", str(ws), "job", "list"], check=True)
        subprocess.run(
            [str(basalt_cli), "--workspace", str(ws), "job", "metrics", name], check=True
        )
        subprocess.run(
            [
                str(basalt_cli),
                "--workspace",
                str(ws),
                "model",
                "show",
                "demo-linear",
                "--label",
                "prod",
            ],
            check=True,
        )
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
