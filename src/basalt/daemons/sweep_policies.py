"""Early termination of sweep trials: bandit, median stopping and truncation selection (pure).

Each trial's history is the list of values of the objective's primary metric it has reported, in
step order; the n-th value is *interval* n (Azure ML counts one interval per reported value).
A policy evaluates a trial at interval n when ``n % evaluation_interval == 0`` and
``n >= delay_evaluation`` (the SDK's wording: "every multiple of evaluation_interval that is
greater than or equal to delay_evaluation"). Between two polls a trial may pass several such
intervals; it is evaluated once, at the latest, against every trial (running or ended) that has
reached that interval.

- bandit: a trial's best value so far is compared with the best of all trials at that interval;
  it is stopped if worse than ``best / (1 + slack_factor)`` (maximize) or
  ``best * (1 + slack_factor)`` (minimize), or ``best -/+ slack_amount``.
- median_stopping: stopped if its running average is worse than the median of the running
  averages of all trials at that interval (needs at least two trials there).
- truncation_selection: the trials at that interval are ranked by their best value so far; a
  trial is stopped if it is among the worst ``floor(count * truncation_percentage / 100)``.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from basalt.spec.sweeps import BanditPolicy, MedianStoppingPolicy, TruncationSelectionPolicy

Policy = BanditPolicy | MedianStoppingPolicy | TruncationSelectionPolicy
Histories = Mapping[str, Sequence[float]]


class Decision(NamedTuple):
    """What one evaluation decided: the trials to stop, and the interval each was evaluated at."""

    stop: list[str]
    evaluated: dict[str, int]


def due_interval(policy: Policy, reported: int, last_evaluated: int = 0) -> int | None:
    """The latest evaluation interval reached with ``reported`` values, if not yet evaluated."""
    n = reported - reported % policy.evaluation_interval
    if n < 1 or n < policy.delay_evaluation or n <= last_evaluated:
        return None
    return n


def trials_to_stop(
    policy: Policy,
    goal: str,
    histories: Histories,
    active: Collection[str],
    evaluated: Mapping[str, int],
) -> Decision:
    """Evaluate every active trial that reached a new evaluation interval.

    Args:
        policy: The sweep's early-termination policy.
        goal: ``maximize`` or ``minimize``.
        histories: Primary-metric values of every trial so far (ended ones too).
        active: The trials that may be stopped.
        evaluated: The interval each trial was last evaluated at.

    Returns:
        The trials to stop, and ``evaluated`` updated with this evaluation.
    """
    stop: list[str] = []
    done = dict(evaluated)
    for name in sorted(active):
        n = due_interval(policy, len(histories.get(name, ())), done.get(name, 0))
        if n is None:
            continue
        done[name] = n
        if _stops(policy, goal, name, n, histories):
            stop.append(name)
    return Decision(stop, done)


def _stops(policy: Policy, goal: str, name: str, n: int, histories: Histories) -> bool:
    at_n = {k: list(v[:n]) for k, v in histories.items() if len(v) >= n}
    if isinstance(policy, BanditPolicy):
        return _bandit(policy, goal, name, at_n)
    if isinstance(policy, MedianStoppingPolicy):
        return _median(goal, name, at_n)
    return _truncation(policy, goal, name, at_n)


def _best(values: Sequence[float], goal: str) -> float:
    return max(values) if goal == "maximize" else min(values)


def _worse(a: float, b: float, goal: str) -> bool:
    """True if ``a`` is strictly worse than ``b``."""
    return a < b if goal == "maximize" else a > b


def _bandit(policy: BanditPolicy, goal: str, name: str, at_n: dict[str, list[float]]) -> bool:
    own = _best(at_n[name], goal)
    best = _best([_best(v, goal) for v in at_n.values()], goal)
    if policy.slack_factor is not None:
        factor = 1 + policy.slack_factor
        threshold = best / factor if goal == "maximize" else best * factor
    else:
        amount = policy.slack_amount or 0.0
        threshold = best - amount if goal == "maximize" else best + amount
    return _worse(own, threshold, goal)


def _median(goal: str, name: str, at_n: dict[str, list[float]]) -> bool:
    if len(at_n) < 2:
        return False
    averages = {k: statistics.fmean(v) for k, v in at_n.items()}
    return _worse(averages[name], statistics.median(averages.values()), goal)


def _truncation(
    policy: TruncationSelectionPolicy, goal: str, name: str, at_n: dict[str, list[float]]
) -> bool:
    cut = len(at_n) * policy.truncation_percentage // 100
    if cut == 0:
        return False
    # Worst first; ties keep name order so the result does not depend on dict order.
    ranked = sorted(at_n, key=lambda k: (_best(at_n[k], goal), k), reverse=goal == "minimize")
    return name in ranked[:cut]
