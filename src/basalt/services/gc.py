"""Garbage collection: free the stored bytes that no record references any more.

Mark: every manifest id and blob sha that a record references, across all workspaces (asset
versions' ``content_id`` and ``spec.files``, a component's code manifest, every run's code
snapshot), plus the blobs listed in each manifest that is kept. Sweep: delete the blobs and
manifests not marked, and the files of runs that no longer exist (in the artifact store and in
the local job folders). Only what is older than the grace period goes, so an upload in flight
("PUT blob", then "create version") is never collected between its two steps.

One collection runs at a time across every process sharing the store (``store/locks.py``); a
second one reports ``ran=False`` and does nothing. Listing happens before the references are
read, so bytes written during a collection are never in its sweep list.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from basalt._internal.clock import Clock
from basalt.artifacts.snapshots import SnapshotStore
from basalt.artifacts.store import ArtifactInfo, ArtifactStore
from basalt.errors import InternalError, NotFoundError, invalid
from basalt.spec.gc import GC_CATEGORIES, GcCategory, GcReport
from basalt.store.locks import try_lock
from basalt.store.repos.gc import GcRepo
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)

WORKSPACES_PREFIX = "workspaces"
RUNS_FOLDER = "runs"
"""Run files live at ``workspaces/<workspace>/runs/<run>/`` (``services/run_artifacts.py``)."""


class GarbageCollector:
    """Finds and frees unreferenced stored bytes, on any artifact backend.

    Args:
        uow: The unit of work (the references, and the store-wide lock).
        clock: Time source; a file is old enough when its last write is before
            ``clock.now() - grace period``.
        artifacts: The artifact store (run files).
        blobs: The content-addressed blobs and manifests.
        jobs_dir: The local folder of job working folders (None: none to clean).
        grace_period_s: The default grace period, in seconds.

    Example:
        >>> report = services.gc.collect(dry_run=True)  # doctest: +SKIP
        >>> report.bytes  # what a real run would free  # doctest: +SKIP
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        artifacts: ArtifactStore,
        blobs: SnapshotStore,
        jobs_dir: Path | None,
        grace_period_s: float,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.artifacts = artifacts
        self.blobs = blobs
        self.jobs_dir = jobs_dir
        self.grace_period_s = grace_period_s

    def collect(self, *, dry_run: bool = False, grace_period_s: float | None = None) -> GcReport:
        """Run one collection (or report what it would free, with ``dry_run``).

        Args:
            dry_run: Delete nothing; the report says what a real run would free.
            grace_period_s: Keep unreferenced bytes younger than this (default: the
                configured ``server.gc_grace_period_s``).

        Returns:
            Files and bytes freed per category, and how long it took; ``ran`` is False when
            another process was collecting.

        Raises:
            InvalidArgumentError: A negative grace period.
        """
        grace = self.grace_period_s if grace_period_s is None else grace_period_s
        if grace < 0:
            raise invalid("grace_period_s", "the grace period must be 0 or more seconds")
        started_at = self.clock.now()
        began = time.monotonic()
        categories = {name: GcCategory() for name in GC_CATEGORIES}
        with try_lock(self.uow.engine, "gc") as held:
            if held:
                _Sweep(self, started_at - timedelta(seconds=grace), dry_run, categories).run()
        report = GcReport(
            dry_run=dry_run,
            grace_period_s=grace,
            started_at=started_at,
            duration_s=round(time.monotonic() - began, 3),
            categories=categories,
            ran=held,
        )
        if held:
            logger.info(
                "gc%s: %d files, %d bytes in %.2f s",
                " (dry run)" if dry_run else "",
                report.files,
                report.bytes,
                report.duration_s,
            )
        else:
            logger.info("gc skipped: another process is collecting")
        return report


class _Sweep:
    """One collection's state: what is stored, what is referenced, what went."""

    def __init__(
        self, gc: GarbageCollector, cutoff: datetime, dry_run: bool, out: dict[str, GcCategory]
    ) -> None:
        self.gc = gc
        self.cutoff = cutoff
        self.dry_run = dry_run
        self.out = out

    def run(self) -> None:
        # NOTE: list first, read references second: anything stored after the listing is not
        # a candidate, and anything referenced before the reading is kept.
        manifests = self.gc.blobs.stored_manifests()
        blobs = self.gc.blobs.stored_blobs()
        run_folders = self._run_folders()
        with self.gc.uow() as session:
            repo = GcRepo(session)
            referenced, marked = repo.asset_references()
            referenced |= repo.run_snapshots()
            referenced |= repo.deployment_manifests()
            runs = repo.run_names()
        for snapshot_id, entry in manifests:
            young = snapshot_id not in referenced and not self._old(entry)
            if young:
                self.out["manifests"].kept_recent += 1
            if snapshot_id in referenced or young:
                marked.update(self._blobs_of(snapshot_id))
            else:
                self._free(
                    "manifests", [entry], partial(self.gc.blobs.delete_manifest, snapshot_id)
                )
        for sha, entry in blobs:
            if sha not in marked:
                self._free("blobs", [entry], partial(self.gc.blobs.delete_blob, sha))
        for (workspace, run), prefix in run_folders:
            if (workspace, run) not in runs:
                files = self.gc.artifacts.list(prefix, recursive=True)
                self._free("run_files", files, partial(self._delete_prefix, prefix))
        self._job_folders(runs)

    def _old(self, entry: ArtifactInfo) -> bool:
        # NOTE: a file whose backend gives no time is treated as new: never freed by mistake.
        return entry.modified is not None and entry.modified < self.cutoff

    def _free(self, category: str, entries: list[ArtifactInfo], delete: Callable[[], None]) -> None:
        """Free ``entries`` (one unit: a blob, a manifest, a run's folder) if all are old."""
        stats = self.out[category]
        if not all(self._old(e) for e in entries):
            stats.kept_recent += sum(1 for e in entries if not e.is_dir)
            return
        if not self.dry_run:
            delete()
        stats.files += sum(1 for e in entries if not e.is_dir)
        stats.bytes += sum(e.size or 0 for e in entries)

    def _blobs_of(self, snapshot_id: str) -> Iterable[str]:
        try:
            return [f.sha256 for f in self.gc.blobs.manifest(snapshot_id)]
        except (NotFoundError, InternalError) as exc:
            logger.warning(
                "gc: manifest %s unreadable, its blobs are kept only if referenced elsewhere: %s",
                snapshot_id,
                exc,
            )
            return []

    def _run_folders(self) -> list[tuple[tuple[str, str], str]]:
        out = []
        for ws in self.gc.artifacts.list(WORKSPACES_PREFIX):
            if not ws.is_dir:
                continue
            workspace = ws.path.rsplit("/", 1)[-1]
            for run in self.gc.artifacts.list(f"{ws.path}/{RUNS_FOLDER}"):
                if run.is_dir:
                    out.append(((workspace, run.path.rsplit("/", 1)[-1]), run.path))
        return out

    def _delete_prefix(self, prefix: str) -> None:
        self.gc.artifacts.delete(prefix, missing_ok=True)

    def _job_folders(self, runs: set[tuple[str, str]]) -> None:
        root = self.gc.jobs_dir
        if root is None or not root.is_dir():
            return
        for ws_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for job_dir in sorted(p for p in ws_dir.iterdir() if p.is_dir()):
                if (ws_dir.name, job_dir.name) in runs:
                    continue
                files = _local_files(job_dir)
                self._free(
                    "job_folders",
                    files,
                    partial(shutil.rmtree, job_dir, ignore_errors=True),
                )


def _local_files(folder: Path) -> list[ArtifactInfo]:
    """The files below a local folder as entries (the folder itself when it is empty)."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            out.append(ArtifactInfo(path.as_posix(), stat.st_size, False, modified))
    if not out:
        modified = datetime.fromtimestamp(folder.stat().st_mtime, tz=UTC)
        out.append(ArtifactInfo(folder.as_posix(), 0, True, modified))
    return out
