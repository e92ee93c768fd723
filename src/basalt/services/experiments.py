"""Experiments: named groups of runs."""

from __future__ import annotations

from basalt._internal.clock import Clock
from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError
from basalt.services.workspaces import workspace_id
from basalt.spec.common import (
    DEFAULT_PAGE_SIZE,
    Page,
    check_name,
    check_value,
    decode_page_token,
    encode_page_token,
)
from basalt.spec.experiments import (
    DEFAULT_EXPERIMENT,
    Experiment,
    ExperimentCreate,
    ExperimentListQuery,
)
from basalt.spec.filters import parse_experiment_filter, parse_experiment_order_by
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

    def get_experiment_by_id(self, workspace: str, experiment_id: str) -> Experiment:
        """The experiment whose ``id`` is ``experiment_id``.

        Raises:
            NotFoundError: No such workspace or experiment (also for an id that is not a number).
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = None
            if experiment_id.isdigit():
                row = ExperimentRepo(session).find_by_id(ws_id, int(experiment_id))
            if row is None:
                raise NotFoundError(
                    f"No experiment with id {experiment_id!r} in workspace '{workspace}'",
                    details={"experiment_id": experiment_id},
                )
            return self._to_specs(session, [row])[0]

    def ensure_experiment(self, workspace: str, name: str = DEFAULT_EXPERIMENT) -> Experiment:
        """The experiment called ``name``, created if missing (``Default`` must always exist).

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = ExperimentRepo(session).find_by_name(ws_id, name)
            if row is not None:
                return self._to_specs(session, [row])[0]
        try:
            return self.create_experiment(workspace, ExperimentCreate(name=name))
        except AlreadyExistsError:  # another request created it first
            return self.get_experiment(workspace, name)

    def rename_experiment(self, workspace: str, name: str, new_name: str) -> Experiment:
        """Give an experiment a new name; its runs and id stay.

        Raises:
            NotFoundError: No such experiment.
            AlreadyExistsError: ``new_name`` is taken (archived experiments count).
            ConflictError: The experiment is ``Default``, where runs without an experiment go.
            InvalidArgumentError: ``new_name`` is not a valid name.
        """
        check_name(new_name, "new_name")
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = ExperimentRepo(session)
            row = self._get_row(session, ws_id, workspace, name)
            if new_name == name:
                return self._to_specs(session, [row])[0]
            if name == DEFAULT_EXPERIMENT:
                raise ConflictError(
                    f"Experiment '{DEFAULT_EXPERIMENT}' cannot be renamed: runs created without "
                    "an experiment go there"
                )
            if repo.find_by_name(ws_id, new_name) is not None:
                raise AlreadyExistsError(
                    f"Experiment '{new_name}' already exists in workspace '{workspace}'"
                )
            row.name = new_name
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_specs(session, [row])[0]

    def archive_experiment(self, workspace: str, name: str, archived: bool = True) -> Experiment:
        """Hide an experiment and all its runs from lists (or show them again).

        As MLflow does when deleting and restoring an experiment, every run of the experiment
        is archived with it, and restoring the experiment restores every one of its runs.

        Raises:
            NotFoundError: No such experiment.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self._get_row(session, ws_id, workspace, name)
            row.archived = archived
            row.updated_at = self.clock.now()
            ExperimentRepo(session).set_runs_archived(row.id, archived)
            session.flush()
            return self._to_specs(session, [row])[0]

    def set_tags(self, workspace: str, name: str, tags: dict[str, str]) -> Experiment:
        """Add or overwrite tags of an experiment.

        Raises:
            NotFoundError: No such experiment.
            InvalidArgumentError: A bad key or a value that is too long.
        """
        for key, value in tags.items():
            check_name(key, "key")
            check_value(value, f"value of {key!r}")
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self._get_row(session, ws_id, workspace, name)
            ExperimentRepo(session).set_tags(row.id, tags)
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_specs(session, [row])[0]

    def delete_tag(self, workspace: str, name: str, key: str) -> None:
        """Remove a tag from an experiment.

        Raises:
            NotFoundError: No such experiment or tag.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self._get_row(session, ws_id, workspace, name)
            if ExperimentRepo(session).delete_tag(row.id, key) == 0:
                raise NotFoundError(f"Experiment '{name}' has no tag '{key}'")
            row.updated_at = self.clock.now()

    def search_experiments(self, workspace: str, query: ExperimentListQuery) -> Page[Experiment]:
        """Experiments matching a filter, in the requested order (default: newest first).

        Raises:
            NotFoundError: No such workspace.
            InvalidArgumentError: The filter or order is malformed.
        """
        where = parse_experiment_filter(query.filter)
        order = parse_experiment_order_by(query.order_by or ["created_at DESC"])
        limit = query.max_results or DEFAULT_PAGE_SIZE
        offset = decode_page_token(query.page_token)
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            rows = ExperimentRepo(session).search(
                ws_id, view=query.view, where=where, order_by=order, offset=offset, limit=limit + 1
            )
            token = encode_page_token(offset + limit) if len(rows) > limit else None
            return Page(items=self._to_specs(session, rows[:limit]), next_page_token=token)

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

    def _get_row(self, session: Session, ws_id: int, workspace: str, name: str) -> ExperimentRow:
        row = ExperimentRepo(session).find_by_name(ws_id, name)
        if row is None:
            raise NotFoundError(f"Experiment '{name}' not found in workspace '{workspace}'")
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
