"""``basalt model compare``: versions of one model side by side.

Metrics are those recorded at registration (the producing run's latest values then); params
and inputs come from the producing job, read now (a job deleted since leaves them empty).
"""

from __future__ import annotations

from sqlalchemy import select

from basalt.errors import NotFoundError
from basalt.services._run_rows import get_run_row
from basalt.services.models import ModelService
from basalt.services.runs import RunService
from basalt.services.workspaces import workspace_id
from basalt.spec.models import Model, ModelComparison, ModelVersionSummary
from basalt.store.tables import JobInputRefRow
from basalt.store.uow import UnitOfWork

MAX_COMPARED = 20


def _differing(rows: list[ModelVersionSummary]) -> list[str]:
    keys = ["size", "flavor", "job_name"]
    for field in ("metrics", "params", "inputs"):
        names = sorted({k for r in rows for k in getattr(r, field)})
        keys += [f"{field}.{k}" for k in names]

    def value(row: ModelVersionSummary, key: str) -> object:
        head, _, tail = key.partition(".")
        got = getattr(row, head)
        return got.get(tail) if tail else got

    return [k for k in keys if len({repr(value(r, k)) for r in rows}) > 1]


class ModelComparer:
    """Builds a ``ModelComparison`` from the registry, runs and the lineage index."""

    def __init__(self, uow: UnitOfWork, models: ModelService, runs: RunService) -> None:
        self.uow = uow
        self.models = models
        self.runs = runs

    def compare(
        self, workspace: str, name: str, versions: list[str] | None = None
    ) -> ModelComparison:
        """Chosen versions (default: the newest ``MAX_COMPARED``, archived ones left out).

        Raises:
            NotFoundError: No such model or version.
        """
        if versions:
            chosen = [self.models.get(workspace, name, version=v) for v in versions]
        else:
            chosen = list(self.models.list(workspace, name=name, max_results=MAX_COMPARED).items)
            if not chosen:
                raise NotFoundError(f"Model '{name}' not found", details={"name": name})
            chosen.reverse()  # oldest first, as columns read left to right
        rows = [self._summary(workspace, m) for m in chosen]
        return ModelComparison(name=name, versions=rows, differing=_differing(rows))

    def _summary(self, workspace: str, model: Model) -> ModelVersionSummary:
        params: dict[str, str] = {}
        inputs: dict[str, str] = {}
        if model.job_name:
            with self.uow() as session:
                ws_id = workspace_id(session, workspace)
                try:
                    run = get_run_row(session, ws_id, workspace, model.job_name)
                except NotFoundError:
                    run = None
                if run is not None:
                    refs = session.scalars(
                        select(JobInputRefRow).where(JobInputRefRow.run_id == run.id)
                    )
                    inputs = {
                        r.input_name: f"{r.kind}:{r.name}" + (f":{r.version}" if r.version else "")
                        for r in refs
                    }
            if run is not None:
                params = dict(self.runs.get_run(workspace, model.job_name).params)
        return ModelVersionSummary(
            version=model.version,
            created_at=model.created_at,
            created_by=model.created_by,
            size=model.size,
            flavor=model.flavor,
            job_name=model.job_name,
            labels=list(model.labels),
            metrics=dict(model.metrics),
            params=params,
            inputs=inputs,
        )
