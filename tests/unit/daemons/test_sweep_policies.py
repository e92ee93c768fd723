"""Early-termination policies of sweeps: pure functions over primary-metric histories."""

from __future__ import annotations

import pytest

from basalt.daemons.sweep_policies import Policy, due_interval, trials_to_stop
from basalt.spec.sweeps import BanditPolicy, MedianStoppingPolicy, TruncationSelectionPolicy


def stop(
    policy: Policy,
    goal: str,
    histories: dict[str, list[float]],
    active: list[str] | None = None,
    evaluated: dict[str, int] | None = None,
) -> list[str]:
    names = list(histories) if active is None else active
    return trials_to_stop(policy, goal, histories, names, evaluated or {}).stop


@pytest.mark.parametrize(
    ("interval", "delay", "reported", "last", "expected"),
    [
        (1, 0, 0, 0, None),
        (1, 0, 1, 0, 1),
        (1, 0, 3, 1, 3),
        (2, 0, 3, 0, 2),
        (2, 0, 3, 2, None),
        (1, 5, 4, 0, None),
        (1, 5, 5, 0, 5),
        (3, 5, 5, 0, None),
        (3, 5, 6, 0, 6),
    ],
)
def test_due_interval(interval: int, delay: int, reported: int, last: int, expected: int) -> None:
    policy = BanditPolicy(slack_factor=0.1, evaluation_interval=interval, delay_evaluation=delay)
    assert due_interval(policy, reported, last) == expected


def test_bandit_slack_factor_maximize() -> None:
    policy = BanditPolicy(slack_factor=0.25)
    # best at interval 2 is 1.0; threshold 1.0 / 1.25 = 0.8
    histories = {"good": [0.5, 1.0, 1.0], "ok": [0.81, 0.81], "bad": [0.1, 0.79]}
    assert stop(policy, "maximize", histories, ["ok", "bad"]) == ["bad"]


def test_bandit_slack_factor_minimize_uses_best_so_far() -> None:
    policy = BanditPolicy(slack_factor=0.5)
    # best (lowest) at interval 2 is 1.0: threshold 1.5; "late" was 1.4 at interval 1
    histories = {"best": [2.0, 1.0], "late": [1.4, 3.0], "bad": [2.0, 1.6]}
    assert stop(policy, "minimize", histories, ["late", "bad"]) == ["bad"]


def test_bandit_slack_amount() -> None:
    policy = BanditPolicy(slack_amount=0.2)
    histories = {"a": [0.9], "b": [0.75], "c": [0.65]}
    assert stop(policy, "maximize", histories) == ["c"]
    assert stop(policy, "minimize", {"a": [0.1], "b": [0.25], "c": [0.35]}) == ["c"]


def test_bandit_alone_never_stops_and_compares_only_trials_at_the_interval() -> None:
    policy = BanditPolicy(slack_factor=0.1)
    assert stop(policy, "maximize", {"only": [0.1]}) == []
    # "far" has not reached interval 2, so at interval 2 "slow" is compared with itself only
    histories = {"far": [9.0], "slow": [0.1, 0.2]}
    assert stop(policy, "maximize", histories, ["slow"], {"slow": 1}) == []


def test_each_interval_is_evaluated_once() -> None:
    policy = BanditPolicy(slack_factor=0.1)
    histories = {"a": [1.0, 1.0], "b": [0.1, 0.1]}
    first = trials_to_stop(policy, "maximize", histories, ["b"], {})
    assert first.stop == ["b"]
    assert first.evaluated == {"b": 2}
    assert trials_to_stop(policy, "maximize", histories, ["b"], first.evaluated).stop == []


def test_delay_and_interval_hold_back_evaluation() -> None:
    policy = BanditPolicy(slack_factor=0.1, evaluation_interval=2, delay_evaluation=4)
    histories = {"a": [1.0] * 5, "b": [0.1] * 3}
    assert stop(policy, "maximize", histories, ["b"]) == []
    histories["b"] = [0.1] * 4
    assert stop(policy, "maximize", histories, ["b"]) == ["b"]


def test_median_stopping() -> None:
    policy = MedianStoppingPolicy()
    histories = {"a": [1.0, 1.0], "b": [0.8, 0.8], "c": [0.1, 0.5]}
    # running averages at 2: 1.0, 0.8, 0.3; median 0.8
    assert stop(policy, "maximize", histories) == ["c"]
    assert stop(policy, "minimize", histories) == ["a"]


def test_median_stopping_needs_two_trials() -> None:
    assert stop(MedianStoppingPolicy(), "maximize", {"a": [0.1]}) == []


def test_truncation_selection() -> None:
    policy = TruncationSelectionPolicy(truncation_percentage=50)
    histories = {"a": [0.9], "b": [0.5], "c": [0.7], "d": [0.1]}
    assert stop(policy, "maximize", histories) == ["b", "d"]
    assert stop(policy, "minimize", histories) == ["a", "c"]


def test_truncation_rounds_down() -> None:
    policy = TruncationSelectionPolicy(truncation_percentage=20)
    assert stop(policy, "maximize", {"a": [0.9], "b": [0.1], "c": [0.5]}) == []
    five = {n: [v] for n, v in zip("abcde", [0.1, 0.2, 0.3, 0.4, 0.5], strict=True)}
    assert stop(policy, "maximize", five) == ["a"]


def test_only_active_trials_are_stopped() -> None:
    policy = BanditPolicy(slack_factor=0.1)
    histories = {"ended": [0.1], "best": [1.0]}
    assert stop(policy, "maximize", histories, ["best"]) == []
