"""`basalt job create -f sweep.yml --stream` as a user runs it (Azure's hello-sweep shape)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("optuna")

# Azure's cli/jobs/basics/hello-sweep.yml, with a local trial script and a seeded sampler.
HELLO_SWEEP = """\
$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
type: sweep
trial:
  code: src
  command: >-
    python hello-sweep.py
    --A ${{inputs.A}}
    --B ${{search_space.B}}
    --C ${{search_space.C}}
  environment:
    image: python:3.11
inputs:
  A: 0.5
compute: azureml:cpu-cluster
sampling_algorithm:
  type: random
  seed: 1
search_space:
  B:
    type: choice
    values: ["hello", "hi", "hola"]
  C:
    type: uniform
    min_value: 0.1
    max_value: 1.0
objective:
  goal: minimize
  primary_metric: random_metric
limits:
  max_total_trials: 4
  max_concurrent_trials: 2
  timeout: 3600
display_name: hello-sweep-example
experiment_name: hello-sweep-example
description: Hello sweep job example.
"""

HELLO_SWEEP_PY = """\
import argparse
import mlflow

p = argparse.ArgumentParser()
p.add_argument("--A", type=float)
p.add_argument("--B", type=str)
p.add_argument("--C", type=float)
args = p.parse_args()
print(args.B, "from a trial")
mlflow.log_metric("random_metric", args.A * args.C)
"""


def test_hello_sweep_streams_and_prints_the_best_trial(e2e: Any, tmp_path: Path) -> None:
    e2e.basalt("init", cwd=tmp_path)
    e2e.basalt(
        "compute", "create", "--name", "cpu-cluster", "--type", "local",
        "--max-concurrent-jobs", "2", cwd=tmp_path,
    )  # fmt: skip
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello-sweep.py").write_text(HELLO_SWEEP_PY)
    (tmp_path / "sweep.yml").write_text(HELLO_SWEEP)
    env = e2e.user_env(MLFLOW_DISABLE_TELEMETRY="true")
    result = e2e.basalt("job", "create", "-f", "sweep.yml", "--stream", cwd=tmp_path, env=env)
    assert "best trial" in result.stdout, result
    assert "Completed" in result.stdout
    jobs = e2e.basalt("job", "list", "-o", "json", cwd=tmp_path).json()
    sweep = next(j for j in jobs if j["display_name"] == "hello-sweep-example")
    shown = e2e.basalt("job", "show", sweep["name"], "-o", "json", cwd=tmp_path).json()
    assert len(shown["children"]) == 4
    best = shown["tags"]["basalt.sweep.best_trial"]
    assert f"best trial {best}" in result.stdout
    trials = [
        e2e.basalt("job", "show", child, "-o", "json", cwd=tmp_path).json()
        for child in shown["children"]
    ]
    best_metric = min(t["metrics"]["random_metric"] for t in trials)
    assert shown["metrics"]["best_random_metric"] == best_metric
