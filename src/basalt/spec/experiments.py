"""Experiments: named groups of runs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from basalt.spec.common import MAX_PAGE_SIZE, Entity, Name, SpecModel

DEFAULT_EXPERIMENT = "Default"


class ExperimentCreate(SpecModel):
    """Body of an experiment creation."""

    name: Name
    description: str = ""
    tags: dict[str, str] = {}


class Experiment(Entity):
    """An experiment as returned by the API."""

    id: str
    name: str
    description: str = ""
    tags: dict[str, str] = {}
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    run_count: int = 0


class ExperimentListQuery(SpecModel):
    """Query of an experiment search: a filter on name, times and tags, an order, one page.

    The filter uses the run filter language with the attributes ``name``, ``id``,
    ``created_at`` and ``updated_at`` (MLflow's ``experiment_id``, ``creation_time`` and
    ``last_update_time`` are accepted too) and ``tags.KEY``.
    """

    filter: str | None = None
    order_by: list[str] = []
    max_results: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)
    page_token: str | None = None
    view: Literal["active", "archived", "all"] = Field(
        default="active", description="Which experiments: not archived, archived, or both."
    )
