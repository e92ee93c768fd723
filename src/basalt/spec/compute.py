"""Compute targets: named places a workspace's jobs run (``local`` now; Ray later).

Unlike environments, compute targets are not versioned: a target is one named record per
workspace whose settings can change. Every workspace has a ``local`` target (created with the
workspace, and by migration 0004 for workspaces that existed before).

Decision: ``max_concurrent_jobs`` defaults to half the machine's CPUs (at least 1), so a
laptop stays usable while jobs run; it is read when the target is created, not at each job.
"""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from basalt.spec.common import Entity, KeyValues, Name, SpecModel

LOCAL_COMPUTE = "local"
"""The name of the target every workspace has."""

MAX_CONCURRENT_JOBS = 256


def default_max_concurrent_jobs() -> int:
    """Half this machine's CPUs, at least 1 (the default of ``max_concurrent_jobs``)."""
    return max(1, (os.cpu_count() or 2) // 2)


class ComputeType(StrEnum):
    """Kinds of compute target."""

    LOCAL = "local"


class ComputeCreate(SpecModel):
    """Body of a compute target's creation."""

    name: Name
    type: ComputeType = ComputeType.LOCAL
    max_concurrent_jobs: int = Field(
        default_factory=default_max_concurrent_jobs,
        ge=1,
        le=MAX_CONCURRENT_JOBS,
        description="Jobs running at once on this target; default half the CPUs, at least 1.",
    )
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    created_by: str | None = None


class ComputeUpdate(SpecModel):
    """The mutable parts of a compute target; fields left out stay as they are."""

    max_concurrent_jobs: int | None = Field(default=None, ge=1, le=MAX_CONCURRENT_JOBS)
    description: str | None = None
    tags: KeyValues | None = None


class Compute(Entity):
    """One compute target of a workspace."""

    name: str
    type: ComputeType
    max_concurrent_jobs: int
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
