"""In-process transport: calls services directly; the only SDK module that imports them.

Embedded mode uses it, so a laptop needs no server. With ``roundtrip=True`` (the tests) every
request and response goes through JSON, so a value that would not survive HTTP fails here too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from basalt.config import Settings
from basalt.services.container import Services
from basalt.spec import operations as ops
from basalt.spec.experiments import ExperimentCreate
from basalt.spec.runs import ArtifactFile, LogBatch, RunCreate, RunListQuery, RunUpdate
from basalt.spec.workspaces import WorkspaceCreate

Handler = Callable[[Services, dict[str, str], dict[str, Any], Any], Any]


def _files(s: Services, p: dict[str, str], q: dict[str, Any]) -> list[ArtifactFile]:
    return s.runs.list_artifacts(p["workspace"], p["name"], q.get("path") or "")


# NOTE: one entry per operation in spec/operations.py; server/routes call the same methods.
HANDLERS: dict[str, tuple[type[BaseModel] | None, Handler]] = {
    "workspaces.list": (None, lambda s, p, q, b: s.workspaces.list_workspaces()),
    "workspaces.create": (WorkspaceCreate, lambda s, p, q, b: s.workspaces.create_workspace(b)),
    "workspaces.get": (None, lambda s, p, q, b: s.workspaces.get_workspace(p["workspace"])),
    "experiments.list": (
        None,
        lambda s, p, q, b: s.experiments.list_experiments(
            p["workspace"],
            include_archived=bool(q.get("include_archived")),
            max_results=q.get("max_results"),
            page_token=q.get("page_token"),
        ),
    ),
    "experiments.create": (
        ExperimentCreate,
        lambda s, p, q, b: s.experiments.create_experiment(p["workspace"], b),
    ),
    "experiments.get": (
        None,
        lambda s, p, q, b: s.experiments.get_experiment(p["workspace"], p["name"]),
    ),
    "runs.create": (RunCreate, lambda s, p, q, b: s.runs.create_run(p["workspace"], b)),
    "runs.search": (RunListQuery, lambda s, p, q, b: s.runs.list_runs(p["workspace"], b)),
    "runs.get": (None, lambda s, p, q, b: s.runs.get_run(p["workspace"], p["name"])),
    "runs.update": (
        RunUpdate,
        lambda s, p, q, b: s.runs.update_run(p["workspace"], p["name"], b),
    ),
    "runs.archive": (None, lambda s, p, q, b: s.runs.archive_run(p["workspace"], p["name"])),
    "runs.restore": (
        None,
        lambda s, p, q, b: s.runs.archive_run(p["workspace"], p["name"], archived=False),
    ),
    "runs.log_batch": (
        LogBatch,
        lambda s, p, q, b: s.runs.log_batch(p["workspace"], p["name"], b),
    ),
    "runs.delete_tag": (
        None,
        lambda s, p, q, b: s.runs.delete_tag(p["workspace"], p["name"], p["key"]),
    ),
    "runs.metric_history": (
        None,
        lambda s, p, q, b: s.runs.get_metric_history(
            p["workspace"], p["name"], p["key"], q.get("max_points")
        ),
    ),
    "runs.files_list": (None, lambda s, p, q, b: _files(s, p, q)),
}


class InProcessTransport:
    """Calls services in this process.

    Args:
        settings: Settings of the embedded workspace (or any store URL).
        services: Already-built services to share (tests); default: built from ``settings``.
        roundtrip: Send every request and response through JSON, as HTTP would.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        services: Services | None = None,
        roundtrip: bool = False,
    ) -> None:
        if services is None:
            if settings is None:
                raise TypeError("InProcessTransport needs settings or services")
            services = Services(settings)
            self._owned = True
        else:
            self._owned = False
        self.services = services
        self.roundtrip = roundtrip

    def call(
        self,
        op: ops.Operation,
        params: dict[str, str],
        *,
        query: dict[str, Any] | None = None,
        body: BaseModel | None = None,
    ) -> Any:
        """Dispatch ``op`` to its service method."""
        body_type, handler = HANDLERS[op.name]
        if (
            body is not None
            and body_type is not None
            and (self.roundtrip or not isinstance(body, body_type))
        ):
            body = body_type.model_validate_json(body.model_dump_json(exclude_unset=True))
        result = handler(self.services, params, dict(query or {}), body)
        if op.response is None:
            return None
        if self.roundtrip:
            return op.response.validate_json(op.response.dump_json(result))
        return result

    def upload(self, op: ops.Operation, params: dict[str, str], source: Path | BinaryIO) -> Any:
        """Store a file among a run's output files."""
        info = self.services.runs.upload_artifact(
            params["workspace"], params["name"], params["path"], source
        )
        return info

    def download(self, op: ops.Operation, params: dict[str, str], dest: BinaryIO) -> None:
        """Copy a run's file into ``dest``."""
        with self.services.runs.open_artifact(
            params["workspace"], params["name"], params["path"]
        ) as src:
            shutil.copyfileobj(src, dest, 1024 * 1024)

    def close(self) -> None:
        """Close the services if this transport built them."""
        if self._owned:
            self.services.close()
