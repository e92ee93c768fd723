"""``client.jobs``: runs and jobs (one record), their metrics, output files and code snapshot."""

from __future__ import annotations

import builtins
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from basalt.client.transports.base import Transport
from basalt.errors import invalid
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.job_requests import LogChunk
from basalt.spec.models import ModelFile
from basalt.spec.runs import (
    ArtifactFile,
    LogBatch,
    LogBatchResult,
    MetricSeries,
    Run,
    RunCreate,
    RunListQuery,
    RunStatus,
    RunUpdate,
)


class JobOperations:
    """Runs and jobs of the client's workspace."""

    def __init__(
        self, transport: Transport, workspace: str, max_snapshot_bytes: int = 300 * 2**20
    ) -> None:
        self._t = transport
        self._ws = workspace
        self._max_snapshot_bytes = max_snapshot_bytes

    def _p(self, name: str, **extra: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name, **extra}

    def get(self, name: str) -> Run:
        """The run or job called ``name``; raises NotFoundError if there is none."""
        return self._t.call(ops.RUNS_GET, self._p(name))  # type: ignore[no-any-return]

    def list(
        self,
        experiment_name: str | None = None,
        filter: str | None = None,
        order_by: builtins.list[str] | str | None = None,
        max_results: int | None = None,
        *,
        include_archived: bool = False,
    ) -> builtins.list[Run]:
        """Runs matching a filter, newest first unless ``order_by`` says otherwise.

        Example:
            >>> client.jobs.list(  # doctest: +SKIP
            ...     filter="metrics.accuracy > 0.9 and status = 'Completed'",
            ...     order_by=["metrics.accuracy DESC"],
            ...     max_results=10,
            ... )
        """
        _check_max_results(max_results)
        orders = [order_by] if isinstance(order_by, str) else list(order_by or [])
        out: builtins.list[Run] = []
        token: str | None = None
        while True:
            want = None if max_results is None else min(max_results - len(out), 1000)
            query = RunListQuery(
                experiment_name=experiment_name,
                filter=filter,
                order_by=orders,
                max_results=want or None,
                page_token=token,
                include_archived=include_archived,
            )
            page: Page[Run] = self._t.call(ops.RUNS_SEARCH, {"workspace": self._ws}, body=query)
            out.extend(page.items)
            token = page.next_page_token
            if token is None or (max_results is not None and len(out) >= max_results):
                return out

    def create_run(self, body: RunCreate) -> Run:
        """Create a run record (``basalt.start_run`` calls this for interactive runs)."""
        return self._t.call(ops.RUNS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def update(self, name: str, body: RunUpdate) -> Run:
        """Apply a partial update (status, display name, description, error)."""
        return self._t.call(ops.RUNS_UPDATE, self._p(name), body=body)  # type: ignore[no-any-return]

    def set_status(self, name: str, status: RunStatus | str) -> Run:
        """Move a run to ``status`` (following the allowed transitions)."""
        return self.update(name, RunUpdate(status=RunStatus(status)))

    def archive(self, name: str) -> Run:
        """Hide a run from lists; it stays readable by name."""
        return self._t.call(ops.RUNS_ARCHIVE, self._p(name))  # type: ignore[no-any-return]

    def restore(self, name: str) -> Run:
        """Show an archived run in lists again."""
        return self._t.call(ops.RUNS_RESTORE, self._p(name))  # type: ignore[no-any-return]

    def log_batch(self, name: str, batch: LogBatch) -> LogBatchResult:
        """Store metrics, params and tags of a run in one call."""
        return self._t.call(ops.RUNS_LOG_BATCH, self._p(name), body=batch)  # type: ignore[no-any-return]

    def delete_tag(self, name: str, key: str) -> None:
        """Remove a tag from a run."""
        self._t.call(ops.RUNS_DELETE_TAG, self._p(name, key=key))

    def get_metric_history(
        self, name: str, key: str, max_points: int | None = None
    ) -> MetricSeries:
        """Every point of one metric, or about ``max_points`` keeping each bucket's min and max.

        Example:
            >>> series = client.jobs.get_metric_history(  # doctest: +SKIP
            ...     run, "loss", max_points=1000
            ... )
            >>> list(zip(series.steps, series.values))[:3]  # doctest: +SKIP
        """
        query: dict[str, Any] = {"max_points": max_points}
        return self._t.call(ops.RUNS_METRIC_HISTORY, self._p(name, key=key), query=query)  # type: ignore[no-any-return]

    def list_files(self, name: str, path: str = "") -> builtins.list[ArtifactFile]:
        """Output files of a run (recursively, under ``path``)."""
        return self._t.call(ops.RUNS_FILES_LIST, self._p(name), query={"path": path})  # type: ignore[no-any-return]

    def upload_file(self, name: str, local_path: Path | str, artifact_path: str) -> ArtifactFile:
        """Store a local file among a run's output files, streamed."""
        result = self._t.upload(
            ops.RUNS_FILE_PUT, self._p(name, path=artifact_path), Path(local_path)
        )
        return ArtifactFile.model_validate(result, from_attributes=True)

    def open_file(self, name: str, path: str, dest: BinaryIO) -> None:
        """Stream one output file of a run into ``dest``."""
        self._t.download(ops.RUNS_FILE_GET, self._p(name, path=path), dest)

    def download(
        self, name: str, download_path: Path | str = ".", output_name: str | None = None
    ) -> builtins.list[Path]:
        """Download a run's files (or one named output of a job) into ``download_path``.

        Paths inside the run are kept; ``output_name`` limits it to that output's folder.

        Returns:
            The local files written.
        """
        root = Path(download_path)
        written = []
        for item in self.list_files(name, output_name or ""):
            if item.is_dir:
                continue
            target = root / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                self.open_file(name, item.path, fh)
            written.append(target)
        return written

    def list_snapshot_files(self, name: str) -> builtins.list[ModelFile]:
        """Files of the code snapshot a job was submitted with (``[]`` for a run without one).

        Example:
            >>> for f in client.jobs.list_snapshot_files(run):  # doctest: +SKIP
            ...     print(f.path, f.size)
        """
        return self._t.call(ops.RUNS_SNAPSHOT_LIST, self._p(name))  # type: ignore[no-any-return]

    def download_snapshot_file(self, name: str, path: str, dest: BinaryIO | Path | str) -> None:
        """Stream one file of a job's code snapshot into ``dest`` (a binary stream or a path).

        Raises:
            NotFoundError: No such run, or no file ``path`` in its snapshot.
            InvalidArgumentError: ``path`` is not a clean relative path (``..``, absolute).
        """
        params = self._p(name, path=path)
        if isinstance(dest, (str, Path)):
            target = Path(dest)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with target.open("wb") as fh:
                    self._t.download(ops.RUNS_SNAPSHOT_GET, params, fh)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            return
        self._t.download(ops.RUNS_SNAPSHOT_GET, params, dest)

    # --- jobs ----------------------------------------------------------------------------------

    def create_or_update(self, job: Any) -> Run:
        """Submit a job (``basalt.command(...)``, a loaded YAML file, or a spec dict).

        Its code folder and local inputs are uploaded by content (only what the store lacks);
        the job is queued on its compute target and starts when a slot is free.

        Returns:
            The job's run, ``Queued`` (or already further along).
        """
        from basalt.client.operations.job_submit import build

        body = build(self._t, self._ws, job, max_snapshot_bytes=self._max_snapshot_bytes)
        return self._t.call(ops.JOBS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def begin_cancel(self, name: str) -> Run:
        """Cancel a job; a running one is stopped by its runner (the whole process tree)."""
        return self._t.call(ops.JOBS_CANCEL, self._p(name))  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        """Delete a finished job with its children, metrics and files (cancel a running one first).

        Raises:
            ConflictError: The job (or a child) has not finished.
            NotFoundError: No such job.
        """
        self._t.call(ops.JOBS_DELETE, self._p(name))

    def logs(self, name: str, offset: int = 0, max_bytes: int = 65536) -> LogChunk:
        """The job's log from byte ``offset``."""
        query = {"offset": offset, "max_bytes": max_bytes}
        return self._t.call(ops.JOBS_LOGS, self._p(name), query=query)  # type: ignore[no-any-return]

    def stream(
        self,
        name: str,
        out: TextIO | None = None,
        *,
        poll: float = 0.25,
        timeout: float | None = None,
    ) -> Run:
        """Print the job's log as it grows until the job ends; return the ended job.

        Closing the terminal does not stop the job: stream again to re-attach.
        """
        sink = out if out is not None else sys.stdout
        offset = 0
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            chunk = self.logs(name, offset)
            if chunk.text:
                sink.write(chunk.text)
                sink.flush()
            offset = chunk.next_offset
            if chunk.done:
                return self.get(name)
            if deadline is not None and time.monotonic() > deadline:
                return self.get(name)
            if not chunk.text:
                time.sleep(poll)


def _check_max_results(max_results: int | None) -> None:
    if max_results is not None and max_results < 1:
        raise invalid("max_results", f"max_results must be at least 1, not {max_results}")
