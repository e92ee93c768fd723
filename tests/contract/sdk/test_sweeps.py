"""Sweep jobs through the SDK, on every transport: a parent runner, real trial processes."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.contract.sdk.test_jobs import HOST_ENV, done, log_of, wait, write

from basalt.errors import InvalidArgumentError
from basalt.spec.compute import ComputeCreate
from basalt.spec.job_requests import SWEEP_BEST_TRIAL, SWEEP_EARLY_TERMINATED
from basalt.spec.runs import RunStatus

pytest.importorskip("optuna")

# The shape of Azure's cli/jobs/basics/hello-sweep.yml: a choice and a uniform parameter,
# random sampling, and a bandit policy. Bad values of x do clearly worse at every step.
TRAIN = """
    import argparse, time, basalt
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=int)
    p.add_argument("--noise", type=float)
    a = p.parse_args()
    for step in range(6):
        basalt.log_metric("score", a.x * (step + 1) + a.noise, step=step)
        time.sleep(0.3)
"""


def sweep_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "sweep",
        "compute": "azureml:sweeper",
        "experiment_name": "sweeps",
        "trial": {
            "command": "python train.py --x ${{search_space.x}} --noise ${{search_space.noise}}",
            "environment": HOST_ENV,
        },
        "search_space": {
            "x": {"type": "choice", "values": [1, 2, 3, 4]},
            "noise": {"type": "uniform", "min_value": 0.0, "max_value": 0.1},
        },
        "sampling_algorithm": {"type": "random", "seed": 11},  # x: 4, 4, then worse ones
        "objective": {"goal": "maximize", "primary_metric": "score"},
        "early_termination": {"type": "bandit", "slack_factor": 0.2, "evaluation_interval": 1},
        "limits": {"max_total_trials": 10, "max_concurrent_trials": 3, "timeout": 300},
    }
    spec.update(overrides)
    return spec


@pytest.fixture
def sweeper(client: Any) -> Any:
    client.compute.create_or_update(ComputeCreate(name="sweeper", max_concurrent_jobs=4))
    return client


def children(client: Any, name: str) -> list[Any]:
    return [client.jobs.get(c) for c in client.jobs.get(name).children]


def test_random_sweep_with_bandit_keeps_the_best_trial(sweeper: Any, tmp_path: Path) -> None:
    client = sweeper
    code = write(tmp_path / "src", {"train.py": TRAIN})
    spec = sweep_spec()
    spec["trial"]["code"] = str(code)
    t0 = time.monotonic()
    parent = client.jobs.create_or_update(spec)
    parent = done(client, parent.name, timeout=120)
    sys.stderr.write(f"hello sweep took {time.monotonic() - t0:.1f} s\n")
    assert parent.status == RunStatus.COMPLETED, log_of(client, parent.name)
    trials = children(client, parent.name)
    assert len(trials) == 10
    assert all(t.status.is_terminal() for t in trials)
    assert all(t.snapshot_id == parent.snapshot_id for t in trials)
    assert {t.name for t in trials} == {f"{parent.name}_{i}" for i in range(10)}
    stopped = [t for t in trials if t.tags.get(SWEEP_EARLY_TERMINATED) == "true"]
    assert stopped, log_of(client, parent.name)
    assert all(t.status == RunStatus.CANCELED for t in stopped)
    assert all(t.params["x"] != "4" for t in stopped)
    completed = [t for t in trials if t.status == RunStatus.COMPLETED]
    best = max(completed, key=lambda t: t.metrics["score"])
    assert parent.tags[SWEEP_BEST_TRIAL] == best.name
    assert parent.properties[SWEEP_BEST_TRIAL] == best.name
    assert parent.params["x"] == "4" == best.params["x"]
    assert parent.params["noise"] == best.params["noise"]
    assert parent.metrics["best_score"] == pytest.approx(best.metrics["score"])
    history = client.jobs.get_metric_history(parent.name, "score")
    assert len(history.steps) >= len(completed)
    assert [h.status for h in parent.status_history] == [
        RunStatus.QUEUED,
        RunStatus.PREPARING,
        RunStatus.RUNNING,
        RunStatus.FINALIZING,
        RunStatus.COMPLETED,
    ]
    log = log_of(client, parent.name)
    assert f"best trial {best.name}" in log
    assert "stopped by the early-termination policy" in log


def test_grid_sweep_runs_every_combination_once(sweeper: Any) -> None:
    client = sweeper
    command = (
        "python -c \"import basalt; basalt.log_metric('m', ${{search_space.a}} * 10 + "
        "len('${{search_space.b}}'))\""
    )
    spec = sweep_spec(
        trial={"command": command, "environment": HOST_ENV},
        search_space={
            "a": {"type": "choice", "values": [1, 2, 3]},
            "b": {"type": "choice", "values": ["x", "yy"]},
        },
        sampling_algorithm="grid",
        objective={"goal": "minimize", "primary_metric": "m"},
        early_termination=None,
        limits={"max_total_trials": 20, "max_concurrent_trials": 4},
    )
    del spec["early_termination"]
    parent = done(client, client.jobs.create_or_update(spec).name, timeout=90)
    assert parent.status == RunStatus.COMPLETED, log_of(client, parent.name)
    trials = children(client, parent.name)
    combos = sorted((t.params["a"], t.params["b"]) for t in trials)
    assert combos == sorted((a, b) for a in ("1", "2", "3") for b in ("x", "yy"))
    assert parent.metrics["best_m"] == 11
    assert client.jobs.get(parent.tags[SWEEP_BEST_TRIAL]).params == {"a": "1", "b": "x"}


def test_sweep_whose_trials_all_fail_is_failed(sweeper: Any) -> None:
    client = sweeper
    spec = sweep_spec(
        trial={"command": "echo trial ${{search_space.x}}; exit 3", "environment": HOST_ENV},
        search_space={"x": {"type": "choice", "values": [1, 2]}},
        limits={"max_total_trials": 2, "max_concurrent_trials": 2},
    )
    parent = done(client, client.jobs.create_or_update(spec).name, timeout=60)
    assert parent.status == RunStatus.FAILED
    assert parent.error is not None
    assert "all 2 trials failed" in parent.error.message
    assert all(t.status == RunStatus.FAILED for t in children(client, parent.name))


def test_cancel_a_sweep_cancels_its_trials(sweeper: Any) -> None:
    client = sweeper
    spec = sweep_spec(
        trial={"command": "sleep 60 # ${{search_space.x}}", "environment": HOST_ENV},
        search_space={"x": {"type": "choice", "values": [1, 2, 3]}},
        limits={"max_total_trials": 6, "max_concurrent_trials": 2},
    )
    parent = client.jobs.create_or_update(spec)
    deadline = time.monotonic() + 30
    while sum(t.status == RunStatus.RUNNING for t in children(client, parent.name)) < 2:
        assert time.monotonic() < deadline, log_of(client, parent.name)
        time.sleep(0.1)
    client.jobs.begin_cancel(parent.name)
    parent = wait(client, parent.name, RunStatus.CANCELED, timeout=30)
    trials = children(client, parent.name)
    assert len(trials) == 2
    assert all(t.status == RunStatus.CANCELED for t in trials)


def test_sweep_is_validated_at_submission(sweeper: Any) -> None:
    client = sweeper
    bad_ref = sweep_spec(trial={"command": "echo ${{search_space.nope}}", "environment": HOST_ENV})
    with pytest.raises(InvalidArgumentError, match="nope"):
        client.jobs.create_or_update(bad_ref)
    grid = sweep_spec(sampling_algorithm="grid")
    grid["trial"]["command"] = "echo ${{search_space.x}} ${{search_space.noise}}"
    with pytest.raises(InvalidArgumentError, match="grid"):
        client.jobs.create_or_update(grid)
    from basalt.errors import NotFoundError

    with pytest.raises(NotFoundError):
        client.jobs.create_or_update(sweep_spec(compute="azureml:nowhere"))
    unknown_env = sweep_spec()
    unknown_env["trial"]["environment"] = "azureml:no-such-env:1"
    with pytest.raises(NotFoundError):
        client.jobs.create_or_update(unknown_env)


def test_sweep_without_optuna_says_how_to_install_it(
    sweeper: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "optuna" else real(name, *a)
    )
    with pytest.raises(InvalidArgumentError, match=r"pip install 'basalt\[sweep\]'"):
        sweeper.jobs.create_or_update(sweep_spec())
