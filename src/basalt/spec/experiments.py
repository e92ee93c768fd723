"""Experiments: named groups of runs."""

from __future__ import annotations

from datetime import datetime

from basalt.spec.common import Entity, Name, SpecModel

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
