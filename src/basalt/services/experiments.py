"""Experiments: named groups of runs."""

from __future__ import annotations

from basalt._internal.clock import Clock
from basalt.errors import AlreadyExistsError, NotFoundError
from basalt.services.workspaces import workspace_id
from basalt.spec.common import DEFAULT_PAGE_SIZE, Page, decode_page_token, encode_page_token
from basalt.spec.experiments import Experiment, ExperimentCreate
from basalt.store.repos.experiments import ExperimentRepo
from basalt.store.tables import ExperimentRow
from basalt.store.uow import Session, UnitOfWork


class ExperimentService:
    """Experiment rules: unique names per workspace, created on first use by runs."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def create_experiment(self, workspace: str, body: ExperimentCreate) -> Experiment:
        """Create an experiment.

        Raises:
            NotFoundError: No such workspace.
            AlreadyExistsError: The name is taken in this workspace.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = ExperimentRepo(session)
            if repo.find_by_name(ws_id, body.name) is not None:
                raise AlreadyExistsError(
                    f"Experiment '{body.name}' already exists in workspace '{workspace}'"
                )
            row = self._add(session, ws_id, body)
            return self._to_specs(session, [row])[0]

    def get_experiment(self, workspace: str, name: str) -> Experiment:
        """The experiment called ``name``.

        Raises:
            NotFoundError: No such workspace or experiment.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = ExperimentRepo(session).find_by_name(ws_id, name)
            if row is None:
                raise NotFoundError(f"Experiment '{name}' not found in workspace '{workspace}'")
            return self._to_specs(session, [row])[0]

    def list_experiments(
        self,
        workspace: str,
        *,
        include_archived: bool = False,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Experiment]:
        """Experiments of a workspace, newest first, one page."""
        limit = max_results or DEFAULT_PAGE_SIZE
        offset = decode_page_token(page_token)
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            rows = ExperimentRepo(session).list(
                ws_id, include_archived=include_archived, offset=offset, limit=limit + 1
            )
            token = encode_page_token(offset + limit) if len(rows) > limit else None
            return Page(items=self._to_specs(session, rows[:limit]), next_page_token=token)

    def resolve_or_create(self, session: Session, ws_id: int, name: str) -> ExperimentRow:
        """The experiment called ``name``, created if missing (runs create theirs on first use)."""
        repo = ExperimentRepo(session)
        row = repo.find_by_name(ws_id, name)
        if row is None:
            row = self._add(session, ws_id, ExperimentCreate(name=name))
        return row

    def _add(self, session: Session, ws_id: int, body: ExperimentCreate) -> ExperimentRow:
        now = self.clock.now()
        row = ExperimentRow(
            workspace_id=ws_id,
            name=body.name,
            description=body.description,
            archived=False,
            created_at=now,
            updated_at=now,
        )
        return ExperimentRepo(session).add(row, body.tags)

    def _to_specs(self, session: Session, rows: list[ExperimentRow]) -> list[Experiment]:
        repo = ExperimentRepo(session)
        ids = [r.id for r in rows]
        tags = repo.tags(ids)
        counts = repo.run_counts(ids)
        return [
            Experiment(
                id=str(r.id),
                name=r.name,
                description=r.description,
                tags=tags[r.id],
                archived=r.archived,
                created_at=r.created_at,
                updated_at=r.updated_at,
                run_count=counts.get(r.id, 0),
            )
            for r in rows
        ]
