"""Deleting a finished job (or run): its record, its children, its files.

The rows go in one transaction: the run, a sweep's or pipeline's children below it, and with
them (ON DELETE CASCADE) their metrics, params, tags and status history. Then their files go:
the artifact prefix ``workspaces/<workspace>/runs/<run>/`` (logs, outputs, logged models) and
the local job folder. Deleting files after the commit means a crash in between leaves only
files that nothing references, which ``basalt gc`` frees (category ``run_files``). The code
snapshot is shared content: the job's reference to it goes with the row, and the collector
frees it once no other run or version references it. Model and data versions the job produced
keep their lineage by name (``job_name``).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from basalt.errors import BasaltError, ConflictError
from basalt.services._run_rows import get_run_row
from basalt.services.workspaces import workspace_id
from basalt.spec.runs import RunStatus
from basalt.store.repos.run_deletes import RunDeleteRepo
from basalt.store.uow import UnitOfWork

if TYPE_CHECKING:
    from basalt.services.runs import RunService

logger = logging.getLogger(__name__)


class JobDeleteService:
    """Deletes finished jobs and runs.

    Args:
        uow: The unit of work.
        runs: The run service (where a run's files live).
        jobs_dir: The local folder of job working folders.

    Example:
        >>> services.job_deletes.delete("default", "calm_ocean_1")  # doctest: +SKIP
    """

    def __init__(self, uow: UnitOfWork, runs: RunService, jobs_dir: Path) -> None:
        self.uow = uow
        self.runs = runs
        self.jobs_dir = jobs_dir

    def delete(self, workspace: str, name: str) -> list[str]:
        """Delete a finished job (Completed, Failed or Canceled) and everything below it.

        Args:
            workspace: Workspace name.
            name: Job or run name.

        Returns:
            The names of the runs deleted: the job first, then its children.

        Raises:
            NotFoundError: No such workspace or job.
            ConflictError: The job, or one of its children, has not finished; the message
                says to cancel it first.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, name, lock=True)
            repo = RunDeleteRepo(session)
            rows = [row, *repo.descendants(row.id)]
            for run in rows:
                status = RunStatus(run.status)
                if not status.is_terminal():
                    what = f"Job '{name}'" if run is row else f"Job '{name}' has a child"
                    subject = what if run is row else f"{what} '{run.name}' that"
                    raise ConflictError(
                        f"{subject} is {status.value}; only a finished job can be "
                        f"deleted: cancel it first (basalt job cancel {row.name}) or wait "
                        "for it to end",
                        details={"name": run.name, "status": status.value},
                    )
            names = [r.name for r in rows]
            repo.delete([r.id for r in rows])
        for run_name in names:
            self._delete_files(workspace, run_name)
        return names

    def _delete_files(self, workspace: str, name: str) -> None:
        try:
            self.runs.artifacts.delete(self.runs.artifact_prefix(workspace, name), missing_ok=True)
        except (BasaltError, OSError) as exc:  # the row is gone: gc frees these files later
            logger.warning("files of deleted run %s/%s left for gc: %s", workspace, name, exc)
        shutil.rmtree(self.jobs_dir / workspace / name, ignore_errors=True)
