"""Logged models (MLflow 3's ``LoggedModel``): metadata kept in their source run's properties.

A logged model has no table of its own: each run keeps a JSON list of the models logged from
it in its property ``basalt.logged_models``, and the model's files are the run's files under
``models/<model_id>/`` (so ``basalt job download`` fetches them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from basalt.spec.common import Entity

LOGGED_MODELS_PROPERTY = "basalt.logged_models"
"""Run property holding the JSON list of the run's logged models."""

OUTPUTS_PROPERTY = "basalt.outputs"
"""Run property holding the JSON list of ``{model_id, step}`` a run recorded as outputs."""

LOGGED_MODELS_FOLDER = "models"
"""Folder of a run's files that holds its logged models' files, one subfolder per model."""

LoggedModelStatus = Literal["PENDING", "READY", "UPLOAD_FAILED"]


class LoggedModel(Entity):
    """One logged model: its id, the run it came from and its own params and tags."""

    model_id: str = Field(pattern=r"^m-[0-9a-f]{32}$")
    name: str = Field(min_length=1, max_length=500)
    run_name: str
    experiment_name: str = ""
    experiment_id: str = ""
    status: LoggedModelStatus = "PENDING"
    status_message: str | None = None
    model_type: str | None = None
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    created_by: str | None = None
    created_ms: int = 0
    updated_ms: int = 0

    def files_path(self) -> str:
        """The model's folder among its run's files."""
        return f"{LOGGED_MODELS_FOLDER}/{self.model_id}"
