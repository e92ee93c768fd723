"""Garbage collection of stored bytes: the request and the report."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from basalt.spec.common import Entity, SpecModel

GC_CATEGORIES = ("blobs", "manifests", "run_files", "job_folders")
"""What a collection frees: content blobs, snapshot/file-list manifests, the files of deleted
runs in the artifact store, and the local working folders of deleted jobs."""

MAX_GRACE_PERIOD_S = 100 * 365 * 86400.0
"""The longest grace period a request may ask for (a century: "keep everything")."""


class GcRequest(SpecModel):
    """How to collect: for real or as a dry run, and the grace period."""

    dry_run: bool = Field(default=False, description="Report what would be freed; delete nothing.")
    grace_period_s: float | None = Field(
        default=None,
        ge=0,
        # NOTE: without a bound, "now minus the grace period" overflows datetime (a 500).
        le=MAX_GRACE_PERIOD_S,
        description="Keep unreferenced bytes younger than this many seconds (default: the "
        "server's gc_grace_period_s), so an upload in flight is not collected.",
    )


class GcCategory(Entity):
    """What one category of stored bytes freed (or would free, in a dry run)."""

    files: int = 0
    bytes: int = 0
    kept_recent: int = Field(
        default=0, description="Unreferenced files kept because they are within the grace period."
    )


class GcReport(Entity):
    """The outcome of one garbage collection."""

    dry_run: bool
    grace_period_s: float
    started_at: datetime
    duration_s: float
    categories: dict[str, GcCategory]
    ran: bool = Field(
        default=True,
        description="False when another process was collecting; nothing was done then.",
    )

    @property
    def files(self) -> int:
        """Files freed in every category."""
        return sum(c.files for c in self.categories.values())

    @property
    def bytes(self) -> int:
        """Bytes freed in every category."""
        return sum(c.bytes for c in self.categories.values())
