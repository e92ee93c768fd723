"""Sampling of sweep trials with Optuna: ranges, grids, seeds."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from basalt.daemons.sweep_sampling import SweepSampler, quantize
from basalt.spec.jobs import SweepJob

pytest.importorskip("optuna")


def sampler(space: dict[str, Any], algorithm: Any = "random", **kw: Any) -> SweepSampler:
    job = SweepJob.model_validate(
        {
            "type": "sweep",
            "trial": {"command": "echo"},
            "search_space": space,
            "sampling_algorithm": algorithm,
            "objective": {"goal": "maximize", "primary_metric": "m"},
            "limits": {"max_total_trials": 1},
        }
    )
    return SweepSampler(job.search_space, job.sampling_algorithm, "maximize", **kw)


def draws(s: SweepSampler, n: int = 60) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        point = s.ask()
        out.append(point.params)
        s.tell(point.number, 1.0)
    return out


@pytest.mark.parametrize("algorithm", ["random", "bayesian"])
def test_each_distribution_stays_in_range(algorithm: str) -> None:
    space = {
        "c": {"type": "choice", "values": ["a", 2, 3.5]},
        "r": {"type": "randint", "upper": 3},
        "u": {"type": "uniform", "min_value": -1, "max_value": 1},
        "lu": {"type": "loguniform", "min_value": -3, "max_value": 0},
        "qu": {"type": "quniform", "min_value": 0, "max_value": 64, "q": 16},
        "qlu": {"type": "qloguniform", "min_value": 0, "max_value": 2, "q": 0.5},
    }
    points = draws(sampler(space, {"type": algorithm, "seed": 3}))
    # random draws every value in 60 tries; TPE may settle on some (every trial scores 1.0)
    exact = algorithm == "random"
    choices, ints = {p["c"] for p in points}, {p["r"] for p in points}
    assert choices == {"a", 2, 3.5} if exact else choices <= {"a", 2, 3.5}
    assert ints == {0, 1, 2} if exact else ints <= {0, 1, 2}
    assert all(-1 <= p["u"] <= 1 for p in points)
    assert all(math.exp(-3) <= p["lu"] <= 1 for p in points)
    assert all(p["qu"] in (0, 16, 32, 48, 64) and isinstance(p["qu"], int) for p in points)
    assert all(p["qlu"] * 2 == round(p["qlu"] * 2) and 0 <= p["qlu"] <= 7.5 for p in points)


def test_normal_family_is_drawn_around_mu() -> None:
    space = {
        "n": {"type": "normal", "mu": 10, "sigma": 1},
        "ln": {"type": "lognormal", "mu": 0, "sigma": 0.5},
        "qn": {"type": "qnormal", "mu": 100, "sigma": 10, "q": 5},
        "qln": {"type": "qlognormal", "mu": 2, "sigma": 0.1, "q": 1},
    }
    points = draws(sampler(space, {"type": "random", "seed": 1}), 200)
    mean = sum(p["n"] for p in points) / len(points)
    assert 9.7 < mean < 10.3
    assert all(p["ln"] > 0 for p in points)
    assert all(p["qn"] % 5 == 0 for p in points)
    assert all(isinstance(p["qln"], int) for p in points)


def test_bayesian_with_normal_parameters_falls_back_to_random() -> None:
    notes: list[str] = []
    s = sampler({"n": {"type": "normal", "mu": 0, "sigma": 1}}, "bayesian", log=notes.append)
    assert type(s.study.sampler).__name__ == "RandomSampler"
    assert any("random" in n for n in notes)


def test_grid_covers_every_combination_once() -> None:
    space = {
        "a": {"type": "choice", "values": [1, 2, 3]},
        "b": {"type": "choice", "values": ["x", "y"]},
    }
    s = sampler(space, "grid")
    assert s.grid_size == 6
    asked = [s.ask() for _ in range(4)]  # asked before any is told, as concurrent trials are
    for point in asked[:2]:
        s.tell(point.number, 1.0)
    asked += [s.ask() for _ in range(2)]
    for point in asked[2:]:
        s.tell(point.number, None, "fail")
    combos = sorted((p.params["a"], p.params["b"]) for p in asked)
    assert combos == sorted(itertools.product([1, 2, 3], ["x", "y"]))


@pytest.mark.parametrize("algorithm", ["random", "bayesian", "grid"])
def test_a_seed_makes_a_sweep_reproducible(algorithm: str) -> None:
    space: dict[str, Any] = {"a": {"type": "choice", "values": [1, 2, 3, 4]}}
    if algorithm != "grid":
        space["u"] = {"type": "uniform", "min_value": 0, "max_value": 1}
        space["n"] = {"type": "normal", "mu": 0, "sigma": 1}
    first = draws(sampler(space, {"type": algorithm, "seed": 42}), 4)
    again = draws(sampler(space, {"type": algorithm, "seed": 42}), 4)
    other = draws(sampler(space, {"type": algorithm, "seed": 7}), 4)
    assert first == again
    assert first != other


def test_unseeded_sampler_picks_and_reports_a_seed() -> None:
    s = sampler({"a": {"type": "choice", "values": [1, 2]}})
    assert isinstance(s.seed, int)


def test_pruned_and_failed_trials_are_accepted() -> None:
    s = sampler({"u": {"type": "uniform", "min_value": 0, "max_value": 1}}, "bayesian")
    for state in ("pruned", "fail", "complete"):
        point = s.ask()
        s.tell(point.number, 0.5, state)
    states = [t.state.name for t in s.study.trials]
    assert states == ["PRUNED", "FAIL", "COMPLETE"]


@pytest.mark.parametrize(
    ("x", "q", "expected"), [(33.0, 16, 32), (0.29, 0.1, 0.3), (-7.6, 5, -10), (1e-3, 0.5, 0)]
)
def test_quantize(x: float, q: float, expected: float) -> None:
    assert quantize(x, q) == expected
