"""Logged models (MLflow 3): metadata in the source run's properties, files among its files.

No table: run property ``basalt.logged_models`` holds a JSON list of the run's models, and a
model's files are the run's files under ``models/<model_id>/``. Finding a model by id or
searching them scans the workspace's run properties as text (``RunRepo.with_properties_text``),
which is fine at thousands of runs; a table would index it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from basalt._internal.clock import Clock
from basalt.errors import NotFoundError, invalid
from basalt.services._run_rows import get_run_row
from basalt.services.runs import RunService
from basalt.services.workspaces import workspace_id
from basalt.spec.common import check_value
from basalt.spec.logged_models import (
    LOGGED_MODELS_PROPERTY,
    OUTPUTS_PROPERTY,
    LoggedModel,
    LoggedModelStatus,
)
from basalt.store.repos.runs import RunRepo
from basalt.store.tables import RunRow
from basalt.store.uow import UnitOfWork

MODEL_HISTORY_TAG = "mlflow.log-model.history"
"""Run tag in which MLflow 2.x clients (``runs/log-model``) list the models a run logged."""

_MODEL_HISTORY_FIELDS = frozenset({"artifact_path", "flavors", "utc_time_created", "run_id"})
_MODEL_HISTORY_KEPT = ("run_id", "utc_time_created", "artifact_path", "model_uuid")


def new_model_id() -> str:
    """A fresh logged-model id: ``m-`` and 32 hex digits, as MLflow makes them."""
    return "m-" + secrets.token_hex(16)


def _models_of(row: RunRow) -> list[dict[str, object]]:
    raw = (row.properties or {}).get(LOGGED_MODELS_PROPERTY) or "[]"
    loaded: list[dict[str, object]] = json.loads(raw)
    return loaded


def _spec(item: dict[str, object], row: RunRow, exp_name: str, exp_id: int) -> LoggedModel:
    return LoggedModel.model_validate(
        {**item, "run_name": row.name, "experiment_name": exp_name, "experiment_id": str(exp_id)}
    )


class LoggedModelService:
    """Create, read, change, search and delete logged models.

    Args:
        uow: Unit of work on the metadata store.
        clock: Source of the current time.
        runs: The run service (its files hold the models' files).
        id_factory: Makes model ids (injectable for tests).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        runs: RunService,
        id_factory: Callable[[], str] = new_model_id,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.runs = runs
        self.id_factory = id_factory

    def create(
        self,
        workspace: str,
        run_name: str,
        name: str,
        *,
        model_type: str | None = None,
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        created_by: str | None = None,
    ) -> LoggedModel:
        """Record a new logged model (status ``PENDING``) on run ``run_name``.

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: A bad name.
        """
        now = int(self.clock.now().timestamp() * 1000)
        item = LoggedModel(
            model_id=self.id_factory(),
            name=name,
            run_name=run_name,
            model_type=model_type or None,
            params=params or {},
            tags=tags or {},
            created_by=created_by,
            created_ms=now,
            updated_ms=now,
        )
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, run_name, lock=True)
            models = _models_of(row)
            models.append(_stored(item))
            self._save(row, LOGGED_MODELS_PROPERTY, models)
            session.flush()
        return self.get(workspace, item.model_id)

    def get(self, workspace: str, model_id: str) -> LoggedModel:
        """A logged model by id.

        Raises:
            NotFoundError: No logged model has that id in the workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            for row, exp_name, exp_id in RunRepo(session).with_properties_text(ws_id, model_id):
                for item in _models_of(row):
                    if item.get("model_id") == model_id:
                        return _spec(item, row, exp_name, exp_id)
        raise NotFoundError(f"Logged model '{model_id}' not found in workspace '{workspace}'")

    def search(
        self, workspace: str, experiment_names: list[str] | None = None
    ) -> list[LoggedModel]:
        """Every logged model of the workspace's runs (of these experiments), oldest first."""
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            found = RunRepo(session).with_properties_text(
                ws_id, LOGGED_MODELS_PROPERTY, experiment_names=experiment_names
            )
            return [_spec(i, r, n, e) for r, n, e in found for i in _models_of(r)]

    def update(
        self,
        workspace: str,
        model_id: str,
        *,
        status: LoggedModelStatus | None = None,
        status_message: str | None = None,
        params: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        delete_tag: str | None = None,
    ) -> LoggedModel:
        """Change a model's status, add params or tags, or remove one tag.

        Raises:
            NotFoundError: No such model, or no such tag to delete.
        """
        run_name = self.get(workspace, model_id).run_name
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, run_name, lock=True)
            models = _models_of(row)
            item = next((m for m in models if m.get("model_id") == model_id), None)
            if item is None:
                raise NotFoundError(f"Logged model '{model_id}' not found")
            if status is not None:
                item["status"] = status
                item["status_message"] = status_message
            if params:
                item["params"] = {**_dict(item.get("params")), **params}
            if tags:
                item["tags"] = {**_dict(item.get("tags")), **tags}
            if delete_tag is not None:
                kept = _dict(item.get("tags"))
                if kept.pop(delete_tag, None) is None:
                    raise NotFoundError(f"Logged model '{model_id}' has no tag '{delete_tag}'")
                item["tags"] = kept
            item["updated_ms"] = int(self.clock.now().timestamp() * 1000)
            self._save(row, LOGGED_MODELS_PROPERTY, models)
            session.flush()
        return self.get(workspace, model_id)

    def delete(self, workspace: str, model_id: str) -> None:
        """Remove a logged model's record and its files.

        Raises:
            NotFoundError: No such model.
        """
        model = self.get(workspace, model_id)
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, model.run_name, lock=True)
            kept = [m for m in _models_of(row) if m.get("model_id") != model_id]
            self._save(row, LOGGED_MODELS_PROPERTY, kept)
            session.flush()
        self.runs.delete_artifact(workspace, model.run_name, model.files_path())

    def log_outputs(self, workspace: str, run_name: str, outputs: list[tuple[str, int]]) -> None:
        """Record ``(model_id, step)`` pairs as outputs of a run (property ``basalt.outputs``).

        Raises:
            NotFoundError: No such run.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, run_name, lock=True)
            raw = (row.properties or {}).get(OUTPUTS_PROPERTY) or "[]"
            known: list[dict[str, object]] = json.loads(raw)
            for model_id, step in outputs:
                entry: dict[str, object] = {"model_id": model_id, "step": step}
                if entry not in known:
                    known.append(entry)
            self._save(row, OUTPUTS_PROPERTY, known)
            session.flush()

    def record_model_history(self, workspace: str, run_name: str, model: dict[str, Any]) -> None:
        """Append an MLflow 2.x model summary to the run's tag ``mlflow.log-model.history``.

        The tag holds a JSON list, one entry per ``log_model`` call, as MLflow's
        ``record_logged_model`` keeps it: the model's ``run_id``, ``utc_time_created``,
        ``artifact_path``, ``model_uuid`` (when present) and ``flavors`` (each flavor's
        ``config`` left out).

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: The model lacks a mandatory field, the run is archived, or
                the tag would grow past the tag length limit.
        """
        missing = sorted(_MODEL_HISTORY_FIELDS - model.keys())
        if missing:
            raise invalid(
                "model_json", f"Model json is missing mandatory fields: {', '.join(missing)}"
            )
        entry = {k: model[k] for k in _MODEL_HISTORY_KEPT if k in model}
        flavors = model["flavors"] if isinstance(model["flavors"], dict) else {}
        entry["flavors"] = {
            name: {k: v for k, v in conf.items() if k != "config"}
            if isinstance(conf, dict)
            else conf
            for name, conf in flavors.items()
        }
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = get_run_row(session, ws_id, workspace, run_name, lock=True)
            if row.archived:
                raise invalid(
                    "run_id",
                    f"The run {run_name} must be in the 'active' state. Current state is deleted.",
                )
            repo = RunRepo(session)
            raw = repo.tags([row.id])[row.id].get(MODEL_HISTORY_TAG) or "[]"
            value = json.dumps([*json.loads(raw), entry])
            check_value(value, f"tags.{MODEL_HISTORY_TAG}")
            repo.upsert_tags(row.id, {MODEL_HISTORY_TAG: value})
            row.updated_at = self.clock.now()

    def _save(self, row: RunRow, key: str, value: list[dict[str, object]]) -> None:
        properties = dict(row.properties or {})
        properties[key] = json.dumps(value, separators=(",", ":"))
        row.properties = properties
        row.updated_at = self.clock.now()


def _stored(model: LoggedModel) -> dict[str, object]:
    return model.model_dump(
        mode="json", exclude={"run_name", "experiment_name", "experiment_id"}, exclude_none=True
    )


def _dict(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
