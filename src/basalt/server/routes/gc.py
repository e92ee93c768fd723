"""Garbage collection route: free stored bytes nothing references (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.gc import GcReport, GcRequest

router = APIRouter(tags=["gc"])


@router.post(ops.GC_RUN.path, operation_id="gc-run")
def run_gc(services: ServicesDep, body: GcRequest) -> GcReport:
    """Collect unreferenced blobs, manifests and deleted runs' files, in every workspace.

    Bytes younger than the grace period are kept; ``dry_run`` reports without deleting.
    """
    return services.gc.collect(dry_run=body.dry_run, grace_period_s=body.grace_period_s)
