"""Sampling sweep trials with Optuna's ask/tell API (``optuna`` is imported only here, lazily).

Algorithms: ``random`` → ``RandomSampler(seed)``, ``grid`` → ``GridSampler`` over the choice
values (every combination exactly once, then the sweep ends even if ``max_total_trials`` is
larger), ``bayesian`` → ``TPESampler(seed)``. ``rule: sobol`` and ``logbase`` are recorded but
not used: sampling stays plain random (a log line says so).

Distributions, with Azure ML's semantics (azure.ai.ml.sweep; ``min_value``/``max_value`` of the
log forms are *exponents*, as in ``loguniform(min_value=-6, max_value=-1)`` for e^-6..e^-1):

========================  ===========================================  =========================
search space              value                                        told to Optuna as
========================  ===========================================  =========================
choice(values)            one of values                                categorical (the index)
randint(upper)            an int in [0, upper)                         int [0, upper - 1]
uniform(min, max)         a float in [min, max]                        float [min, max]
loguniform(min, max)      exp(u), u uniform in [min, max]              float [min, max] (u)
quniform(min, max, q)     round(u / q) * q                             float [min, max] (u)
qloguniform(min, max, q)  round(exp(u) / q) * q                        float [min, max] (u)
normal(mu, sigma)         a draw of N(mu, sigma)                       not told (no such dist)
lognormal(mu, sigma)      exp(N(mu, sigma))                            not told
qnormal / qlognormal      round(x / q) * q of the above                not told
========================  ===========================================  =========================

Optuna samples the underlying value and Basalt transforms it, so TPE models the space in
which the distribution is uniform. The normal family is drawn with Python's ``random`` seeded
by (seed, trial number, parameter), so a seeded sweep is reproducible; TPE cannot model such
parameters, so a bayesian sweep that has any falls back to random sampling (with a log line).
A q-rounded value is an int when ``q`` is a whole number (``32``, not ``32.0``), else a float
rounded to 12 significant digits.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from basalt.spec.sweeps import (
    Choice,
    LogNormal,
    LogUniform,
    Normal,
    QLogNormal,
    QLogUniform,
    QNormal,
    QUniform,
    RandInt,
    SamplingAlgorithm,
    Uniform,
)

if TYPE_CHECKING:
    import optuna
    from optuna.distributions import BaseDistribution

    from basalt.spec.sweeps import Distribution

Value = str | int | float | bool


@dataclass(frozen=True)
class TrialPoint:
    """One sampled point: Optuna's trial number and the parameter values of the trial."""

    number: int
    params: dict[str, Any]


class SweepSampler:
    """Asks Optuna for trial points and tells it their outcome.

    Args:
        space: The sweep's ``search_space``.
        algorithm: The sweep's ``sampling_algorithm``.
        goal: ``maximize`` or ``minimize``.
        log: Where notes about the sampling go (the sweep's log).
    """

    def __init__(
        self,
        space: dict[str, Distribution],
        algorithm: SamplingAlgorithm,
        goal: Literal["minimize", "maximize"],
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.seed = algorithm.seed if algorithm.seed is not None else random.randrange(2**31)
        self.grid_size: int | None = None
        self._optuna = optuna
        self._dists: dict[str, BaseDistribution] = {
            k: d for k, d in ((k, _to_optuna(v)) for k, v in space.items()) if d is not None
        }
        self._trials: dict[int, optuna.trial.Trial] = {}
        self.study = optuna.create_study(
            direction=goal, sampler=self._sampler(algorithm, log), study_name="sweep"
        )

    def _sampler(
        self, algorithm: SamplingAlgorithm, log: Callable[[str], None]
    ) -> optuna.samplers.BaseSampler:
        from optuna import samplers

        if algorithm.type == "grid":
            grid = {k: list(range(len(_choice(d).values))) for k, d in self.space.items()}
            self.grid_size = math.prod(len(v) for v in grid.values())
            return _grid_sampler(grid, self.seed)
        if algorithm.rule == "sobol":
            log("[basalt] sweep: rule sobol is not supported; sampling at random")
        if algorithm.type == "bayesian":
            if len(self._dists) < len(self.space):
                log(
                    "[basalt] sweep: bayesian sampling cannot model normal-type parameters; "
                    "sampling at random instead"
                )
                return samplers.RandomSampler(seed=self.seed)
            return samplers.TPESampler(seed=self.seed)
        return samplers.RandomSampler(seed=self.seed)

    def ask(self) -> TrialPoint:
        """Sample the next trial's parameters."""
        trial = self.study.ask(self._dists)
        self._trials[trial.number] = trial
        params = {
            k: to_value(d, trial.params.get(k), _rng(self.seed, trial.number, k))
            for k, d in self.space.items()
        }
        return TrialPoint(trial.number, params)

    def tell(self, number: int, value: float | None, state: str = "complete") -> None:
        """Report a trial's outcome: ``complete`` (with its value), ``fail`` or ``pruned``."""
        states = self._optuna.trial.TrialState
        trial = self._trials.pop(number)
        if state == "complete" and value is not None and math.isfinite(value):
            self.study.tell(trial, value)
        elif state == "pruned":
            self.study.tell(trial, state=states.PRUNED)
        else:
            self.study.tell(trial, state=states.FAIL)


def _grid_sampler(grid: dict[str, list[int]], seed: int) -> optuna.samplers.BaseSampler:
    from optuna.samplers import GridSampler

    class _Grid(GridSampler):
        """Optuna's grid sampler, minus its ``study.stop()`` once the grid is done.

        ``stop`` only works inside ``study.optimize``; with ask/tell it raises. The sweep
        runner stops by itself after ``grid_size`` trials.
        """

        def after_trial(self, *_: Any, **__: Any) -> None:
            return None

    return _Grid(grid, seed=seed)


def _choice(d: Distribution) -> Choice:
    assert isinstance(d, Choice)  # the spec allows grid over choices only
    return d


def _to_optuna(d: Distribution) -> BaseDistribution | None:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(d, Choice):
        return CategoricalDistribution(list(range(len(d.values))))
    if isinstance(d, RandInt):
        return IntDistribution(0, d.upper - 1)
    if isinstance(d, Uniform | LogUniform | QUniform | QLogUniform):
        return FloatDistribution(d.min_value, d.max_value)
    return None


def _rng(seed: int, number: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{number}:{name}")


def to_value(d: Distribution, raw: Any, rng: random.Random) -> Any:
    """The parameter value for Optuna's ``raw`` draw (or, for the normal family, ``rng``)."""
    if isinstance(d, Choice):
        return d.values[int(raw)]
    if isinstance(d, RandInt):
        return int(raw)
    if isinstance(d, Uniform):
        return float(raw)
    if isinstance(d, LogUniform):
        return math.exp(raw)
    if isinstance(d, QUniform):
        return quantize(float(raw), d.q)
    if isinstance(d, QLogUniform):
        return quantize(math.exp(raw), d.q)
    x = rng.gauss(d.mu, d.sigma)
    if isinstance(d, Normal):
        return x
    if isinstance(d, LogNormal):
        return math.exp(x)
    if isinstance(d, QNormal):
        return quantize(x, d.q)
    assert isinstance(d, QLogNormal)
    return quantize(math.exp(x), d.q)


def quantize(x: float, q: float) -> int | float:
    """``round(x / q) * q``: an int for a whole-number ``q``, else a float of 12 digits."""
    if float(q).is_integer():
        return int(round(x / q)) * int(q)
    return float(f"{round(x / q) * q:.12g}")
