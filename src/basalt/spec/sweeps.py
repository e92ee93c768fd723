"""Sweep job parts: search-space distributions, sampling, objective, early termination, limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from basalt.spec.common import JSON, SpecModel


class Choice(SpecModel):
    """One of the listed values."""

    type: Literal["choice"] = "choice"
    values: list[JSON] = Field(min_length=1)


class RandInt(SpecModel):
    """An integer in [0, upper)."""

    type: Literal["randint"] = "randint"
    upper: int = Field(gt=0)


class _Range(SpecModel):
    min_value: float
    max_value: float

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        if self.min_value >= self.max_value:
            raise ValueError(
                f"min_value ({self.min_value}) must be less than max_value ({self.max_value})"
            )
        return self


class Uniform(_Range):
    """A float drawn uniformly from [min_value, max_value]."""

    type: Literal["uniform"] = "uniform"


class LogUniform(_Range):
    """exp(uniform(min_value, max_value))."""

    type: Literal["loguniform"] = "loguniform"


class QUniform(_Range):
    """round(uniform(min_value, max_value) / q) * q."""

    type: Literal["quniform"] = "quniform"
    q: float = Field(gt=0)


class QLogUniform(_Range):
    """round(exp(uniform(min_value, max_value)) / q) * q."""

    type: Literal["qloguniform"] = "qloguniform"
    q: float = Field(gt=0)


class Normal(SpecModel):
    """A normal distribution."""

    type: Literal["normal"] = "normal"
    mu: float
    sigma: float = Field(gt=0)


class LogNormal(SpecModel):
    """exp(normal(mu, sigma))."""

    type: Literal["lognormal"] = "lognormal"
    mu: float
    sigma: float = Field(gt=0)


class QNormal(SpecModel):
    """round(normal(mu, sigma) / q) * q."""

    type: Literal["qnormal"] = "qnormal"
    mu: float
    sigma: float = Field(gt=0)
    q: float = Field(gt=0)


class QLogNormal(SpecModel):
    """round(exp(normal(mu, sigma)) / q) * q."""

    type: Literal["qlognormal"] = "qlognormal"
    mu: float
    sigma: float = Field(gt=0)
    q: float = Field(gt=0)


Distribution = Annotated[
    Choice
    | RandInt
    | Uniform
    | LogUniform
    | QUniform
    | QLogUniform
    | Normal
    | LogNormal
    | QNormal
    | QLogNormal,
    Field(discriminator="type"),
]


class SamplingAlgorithm(SpecModel):
    """How trials are drawn; ``random`` may also be written as a plain word."""

    type: Literal["random", "grid", "bayesian"] = "random"
    seed: int | None = None
    rule: Literal["random", "sobol"] | None = None
    logbase: float | str | None = None

    @model_validator(mode="before")
    @classmethod
    def _word(cls, data: Any) -> Any:
        return {"type": data} if isinstance(data, str) else data


class Objective(SpecModel):
    """The metric the sweep optimises, read from each trial's logged metrics."""

    goal: Literal["minimize", "maximize"]
    primary_metric: str = Field(min_length=1)


class BanditPolicy(SpecModel):
    """Stop trials whose metric falls outside a slack of the best trial."""

    type: Literal["bandit"] = "bandit"
    slack_factor: float | None = Field(default=None, gt=0)
    slack_amount: float | None = Field(default=None, gt=0)
    evaluation_interval: int = Field(default=1, ge=1)
    delay_evaluation: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_slack(self) -> BanditPolicy:
        if (self.slack_factor is None) == (self.slack_amount is None):
            raise ValueError("a bandit policy needs exactly one of slack_factor or slack_amount")
        return self


class MedianStoppingPolicy(SpecModel):
    """Stop trials worse than the median of running averages."""

    type: Literal["median_stopping"] = "median_stopping"
    evaluation_interval: int = Field(default=1, ge=1)
    delay_evaluation: int = Field(default=0, ge=0)


class TruncationSelectionPolicy(SpecModel):
    """Stop the worst ``truncation_percentage`` percent of trials at each evaluation."""

    type: Literal["truncation_selection"] = "truncation_selection"
    truncation_percentage: int = Field(ge=1, le=99)
    evaluation_interval: int = Field(default=1, ge=1)
    delay_evaluation: int = Field(default=0, ge=0)


EarlyTermination = Annotated[
    BanditPolicy | MedianStoppingPolicy | TruncationSelectionPolicy,
    Field(discriminator="type"),
]


class SweepLimits(SpecModel):
    """How many trials, how many at once, and time limits in seconds."""

    max_total_trials: int = Field(gt=0)
    max_concurrent_trials: int | None = Field(default=None, gt=0)
    timeout: int | None = Field(default=None, gt=0)
    trial_timeout: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _concurrency(self) -> SweepLimits:
        if self.max_concurrent_trials is not None:
            if self.max_concurrent_trials > self.max_total_trials:
                raise ValueError(
                    f"max_concurrent_trials ({self.max_concurrent_trials}) must not exceed "
                    f"max_total_trials ({self.max_total_trials})"
                )
        return self
