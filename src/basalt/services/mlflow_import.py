"""Copy an MLflow tracking store into a Basalt workspace, keeping MLflow's run ids.

Experiments are matched by name, runs by id (a Basalt run's name is the MLflow ``run_id``),
registered model versions by name and number. Running it again copies only what is new: an
ended run whose end time matches is skipped; any other run that exists gets the params, tags,
metric points (counted per key: the source's points beyond Basalt's count are appended) and
files it lacks. Registered models map as the MLflow-compatible API maps them: description and
tags are properties of the name's oldest version, aliases are labels, the stage is the tag
``mlflow.stage``.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from basalt.errors import BasaltError, NotFoundError

if TYPE_CHECKING:
    from basalt.services.container import Services
from basalt.services.mlflow_import_models import ModelImportMixin, reason
from basalt.services.mlflow_source import (
    MlflowSource,
    SourceExperiment,
    SourceRun,
)
from basalt.spec.common import MAX_VALUE_LENGTH
from basalt.spec.experiments import ExperimentCreate
from basalt.spec.runs import LogBatch, MetricColumns, Run, RunCreate, RunStatus, RunUpdate

logger = logging.getLogger(__name__)

# NOTE: the same names as server/mlflow_compat/translate.py, which services may not import;
# tests/integration/mlflow_import checks that they agree.
PARENT_RUN_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"
FROM_MLFLOW_STATUS = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.QUEUED,
    "FINISHED": RunStatus.COMPLETED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.CANCELED,
}
BATCH_POINTS = 1000
KINDS = (
    "experiments",
    "runs",
    "metric_points",
    "artifacts",
    "registered_models",
    "model_versions",
    "aliases",
)


@dataclass
class KindCount:
    """What happened to the items of one kind."""

    copied: int = 0
    existing: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Failure:
    """One item that could not be copied, and why."""

    kind: str
    item: str
    reason: str


@dataclass
class ImportReport:
    """Counts per kind (copied, already there, failed) and the failures' reasons."""

    source: str
    workspace: str
    dry_run: bool = False
    counts: dict[str, KindCount] = field(default_factory=lambda: {k: KindCount() for k in KINDS})
    failures: list[Failure] = field(default_factory=list)

    def fail(self, kind: str, item: str, reason: str) -> None:
        """Record one failure."""
        self.counts[kind].failed += 1
        self.failures.append(Failure(kind, item, reason))
        logger.warning("mlflow import: %s %s not copied: %s", kind, item, reason)

    def to_dict(self) -> dict[str, object]:
        """The report as plain data (for ``--output json``)."""
        return {
            "source": self.source,
            "workspace": self.workspace,
            "dry_run": self.dry_run,
            "counts": {k: vars(c) for k, c in self.counts.items()},
            "failures": [vars(f) for f in self.failures],
        }


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


class MlflowImporter(ModelImportMixin):
    """Copies what an ``MlflowSource`` holds into one Basalt workspace.

    Args:
        services: The Basalt services to write through.
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def run(
        self,
        source: MlflowSource,
        workspace: str,
        *,
        experiments: list[str] | None = None,
        dry_run: bool = False,
        on_runs: Callable[[int], None] | None = None,
        on_run_done: Callable[[str], None] | None = None,
    ) -> ImportReport:
        """Import everything (or the named experiments and the models of their runs).

        Args:
            source: The MLflow store to read.
            workspace: Basalt workspace to write into.
            experiments: Only these experiment names (default: all).
            dry_run: Read and compare only; write nothing.
            on_runs: Told the number of runs to visit, once, before the first.
            on_run_done: Told each run id once it is handled (for a progress bar).

        Returns:
            What was copied, what was already there, what failed and why.

        Raises:
            UnavailableError: The source cannot be read (nothing has been written then).
            NotFoundError: No such workspace, or a named experiment is not in the source.
        """
        source.check()
        self.services.workspaces.get_workspace(workspace)
        report = ImportReport(source=source.uri, workspace=workspace, dry_run=dry_run)
        found = source.experiments()
        if experiments:
            missing = sorted(set(experiments) - {e.name for e in found})
            if missing:
                raise NotFoundError(
                    f"no experiment {', '.join(map(repr, missing))} in {source.uri}"
                )
            found = [e for e in found if e.name in experiments]
        plan: list[tuple[SourceExperiment, list[SourceRun]]] = []
        for exp in found:
            if self._experiment(exp, workspace, report, dry_run):
                runs = source.runs(exp.id)
                # NOTE: parents before children, so a child can name its parent.
                runs.sort(key=lambda r: PARENT_RUN_TAG in r.tags)
                plan.append((exp, runs))
        if on_runs is not None:
            on_runs(sum(len(runs) for _, runs in plan))
        imported: set[str] = set()
        with tempfile.TemporaryDirectory(prefix="basalt-mlflow-import-") as tmp:
            for exp, runs in plan:
                for src in runs:
                    try:
                        self._run(source, exp.name, src, workspace, report, dry_run, Path(tmp))
                        imported.add(src.run_id)
                    except Exception as exc:
                        report.fail("runs", src.run_id, reason(exc))
                    if on_run_done is not None:
                        on_run_done(src.run_id)
            self._models(source, workspace, report, dry_run, imported, bool(experiments), Path(tmp))
        return report

    # ---- experiments ----

    def _experiment(
        self, exp: SourceExperiment, workspace: str, report: ImportReport, dry_run: bool
    ) -> bool:
        svc = self.services.experiments
        counts = report.counts["experiments"]
        try:
            current = svc.get_experiment(workspace, exp.name)
        except NotFoundError:
            current = None
        try:
            if current is not None:
                counts.existing += 1
                new_tags = {k: v for k, v in exp.tags.items() if current.tags.get(k) != v}
                if new_tags and not dry_run:
                    svc.set_tags(workspace, exp.name, new_tags)
                return True
            counts.copied += 1
            if dry_run:
                return True
            body = ExperimentCreate(
                name=exp.name, description=exp.tags.get(NOTE_TAG, ""), tags=exp.tags
            )
            svc.create_experiment(workspace, body)
            if exp.archived:
                svc.archive_experiment(workspace, exp.name)
            return True
        except BasaltError as exc:
            counts.copied -= current is None
            report.fail("experiments", exp.name, f"{exc.message} (its runs are skipped)")
            return False

    # ---- runs ----

    def _find_run(self, workspace: str, name: str) -> Run | None:
        try:
            return self.services.runs.get_run(workspace, name)
        except NotFoundError:
            return None

    def _run(
        self,
        source: MlflowSource,
        experiment: str,
        src: SourceRun,
        workspace: str,
        report: ImportReport,
        dry_run: bool,
        tmp: Path,
    ) -> None:
        runs = self.services.runs
        target = FROM_MLFLOW_STATUS.get(src.status.upper(), RunStatus.RUNNING)
        run = self._find_run(workspace, src.run_id)
        if run is not None and run.status.is_terminal() and _ms(run.end_time) == src.end_ms:
            report.counts["runs"].existing += 1
            return
        if dry_run:
            report.counts["runs"].copied += 1
            return
        if run is None:
            parent = src.tags.get(PARENT_RUN_TAG)
            if parent and self._find_run(workspace, parent) is None:
                parent = None  # the parent was not imported; the tag still names it
            run = runs.create_run(
                workspace,
                RunCreate(
                    name=src.run_id,
                    experiment_name=experiment,
                    display_name=src.run_name,
                    description=src.tags.get(NOTE_TAG, ""),
                    status=RunStatus.QUEUED if target == RunStatus.QUEUED else RunStatus.RUNNING,
                    created_by=src.user_id,
                    start_time=_time(src.start_ms),
                    parent_name=parent,
                ),
            )
        self._log_data(source, src, run, workspace, report)
        self._copy_files(source, src.run_id, workspace, report, tmp)
        if target != run.status and (target.is_terminal() or not run.status.is_terminal()):
            runs.update_run(
                workspace, src.run_id, RunUpdate(status=target, end_time=_time(src.end_ms))
            )
        elif target.is_terminal() and src.end_ms is not None:
            runs.update_run(workspace, src.run_id, RunUpdate(end_time=_time(src.end_ms)))
        if src.archived and not run.archived:
            runs.archive_run(workspace, src.run_id)
        report.counts["runs"].copied += 1

    def _log_data(
        self, source: MlflowSource, src: SourceRun, run: Run, workspace: str, report: ImportReport
    ) -> None:
        runs = self.services.runs
        tags: dict[str, str] = {}
        for key, value in src.tags.items():
            if len(value) > MAX_VALUE_LENGTH:
                report.fail("runs", f"{src.run_id} tag {key}", f"over {MAX_VALUE_LENGTH} chars")
            elif run.tags.get(key) != value:
                tags[key] = value
        params = {k: v for k, v in src.params.items() if k not in run.params}
        if tags or params:
            runs.log_batch(workspace, src.run_id, LogBatch(params=params, tags=tags))
        points = report.counts["metric_points"]
        for key in src.metric_keys:
            have = runs.get_metric_history_page(
                workspace, src.run_id, key, max_results=1
            ).total_points
            history = source.metric_history(src.run_id, key)
            points.existing += min(have, len(history))
            new = history[have:]
            for start in range(0, len(new), BATCH_POINTS):
                chunk = new[start : start + BATCH_POINTS]
                columns = MetricColumns(
                    keys=[key] * len(chunk),
                    values=[p[0] for p in chunk],
                    timestamps=[p[1] for p in chunk],
                    steps=[p[2] for p in chunk],
                )
                runs.log_batch(workspace, src.run_id, LogBatch(metric_columns=columns))
                points.copied += len(chunk)

    def _copy_files(
        self, source: MlflowSource, run_id: str, workspace: str, report: ImportReport, tmp: Path
    ) -> None:
        runs = self.services.runs
        counts = report.counts["artifacts"]
        have = {f.path: f.size for f in runs.list_artifacts(workspace, run_id) if not f.is_dir}
        for f in source.files(run_id):
            if f.path in have and (f.size is None or have[f.path] == f.size):
                counts.existing += 1
                continue
            try:
                local = source.download(run_id, f.path, tmp / run_id)
                runs.upload_artifact(workspace, run_id, f.path, local)
                local.unlink(missing_ok=True)
                counts.copied += 1
            except Exception as exc:
                report.fail("artifacts", f"{run_id}/{f.path}", reason(exc))
