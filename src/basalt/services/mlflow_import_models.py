"""Registered models of an MLflow import: versions, logged models, name properties, aliases.

Mixed into ``MlflowImporter``. The mapping is the MLflow-compatible API's: a registered model's
description and tags are properties of its oldest version, aliases are labels and the stage is
the tag ``mlflow.stage``. A version is copied from ``runs:/<run>/<path>`` so it keeps its run.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from basalt.errors import BasaltError, NotFoundError
from basalt.services.logged_models import LoggedModelService
from basalt.services.mlflow_source import MlflowSource, SourceModel, SourceVersion
from basalt.spec.logged_models import LOGGED_MODELS_FOLDER
from basalt.spec.models import Model, ModelCreate

if TYPE_CHECKING:
    from basalt.services.container import Services
    from basalt.services.mlflow_import import ImportReport

logger = logging.getLogger(__name__)

# NOTE: the same names as server/mlflow_compat/registry_translate.py, which services may not
# import; tests/integration/mlflow_import checks that they agree.
STAGE_TAG = "mlflow.stage"
RM_DESCRIPTION = "mlflow.registered_model.description"
RM_TAG = "mlflow.registered_model.tag."
_IN_RUN_MODEL = re.compile(rf"^runs:/[^/]+/{LOGGED_MODELS_FOLDER}/(?P<id>m-[0-9a-f]{{32}})/?$")


def reason(exc: Exception) -> str:
    """One line saying why something failed."""
    if isinstance(exc, BasaltError):
        return exc.message
    first = next(iter(str(exc).strip().splitlines()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class ModelImportMixin:
    """The registered-model half of ``MlflowImporter`` (needs its ``services``)."""

    services: Services

    def _models(
        self,
        source: MlflowSource,
        workspace: str,
        report: ImportReport,
        dry_run: bool,
        imported: set[str],
        only_imported: bool,
        tmp: Path,
    ) -> None:
        for model in source.registered_models():
            versions = source.versions(model.name)
            if only_imported:  # --experiment: only models of the runs it copied
                versions = [v for v in versions if v.run_id in imported]
                if not versions:
                    continue
            if not versions:
                report.fail(
                    "registered_models",
                    model.name,
                    "it has no versions; Basalt keeps a registered model through its versions",
                )
                continue
            done = [self._version(source, v, workspace, report, dry_run, tmp) for v in versions]
            if dry_run or not any(done):
                continue
            try:
                self._name_properties(model, workspace, report)
                self._aliases(model, workspace, report)
            except BasaltError as exc:
                report.fail("registered_models", model.name, exc.message)

    def _find_version(self, workspace: str, name: str, version: str) -> Model | None:
        try:
            return self.services.models.get(workspace, name, version)
        except NotFoundError:
            return None

    def _version(
        self,
        source: MlflowSource,
        v: SourceVersion,
        workspace: str,
        report: ImportReport,
        dry_run: bool,
        tmp: Path,
    ) -> bool:
        counts = report.counts["model_versions"]
        item = f"{v.name}/{v.version}"
        if self._find_version(workspace, v.name, v.version) is not None:
            counts.existing += 1
            return True
        if dry_run:
            counts.copied += 1
            return False
        try:
            path = self._version_path(source, v, workspace, tmp)
            tags = dict(v.tags)
            if v.stage and v.stage != "None":
                tags[STAGE_TAG] = v.stage
            self.services.models.create_model(
                workspace,
                ModelCreate(
                    name=v.name,
                    version=v.version,
                    path=path,
                    description=v.description,
                    tags=tags,
                    created_by=v.user_id,
                ),
            )
        except Exception as exc:
            report.fail("model_versions", item, reason(exc))
            return False
        counts.copied += 1
        return True

    def _version_path(
        self, source: MlflowSource, v: SourceVersion, workspace: str, tmp: Path
    ) -> str:
        """The ``runs:/`` path a version's files are copied from in Basalt.

        Raises:
            InvalidArgumentError: The source is neither in a run's files nor a logged model.
        """
        model_id = v.model_id
        if v.source.startswith("models:/m-"):
            model_id = v.source[len("models:/") :].split("/", 1)[0]
        in_run = _IN_RUN_MODEL.match(v.source)
        if model_id is None and in_run is not None:
            # NOTE: a Basalt server answers a logged model's version with its run's folder.
            model_id = in_run["id"]
        if model_id:
            try:
                return self._logged_model(source, model_id, workspace, tmp)
            except Exception:
                if in_run is None:
                    raise
        if v.source.startswith("runs:/"):
            return v.source
        if v.run_id:
            marker = f"/{v.run_id}/artifacts/"
            if marker in v.source:
                return f"runs:/{v.run_id}/{v.source.split(marker, 1)[1]}"
        raise BasaltError(f"source {v.source!r} is not among the files of a run")

    def _logged_model(self, source: MlflowSource, model_id: str, workspace: str, tmp: Path) -> str:
        """Copy an MLflow 3 logged model to where Basalt keeps it (``models/<id>`` of its run)."""
        found = source.logged_model(model_id)
        if found.run_id is None:
            raise BasaltError(f"logged model {model_id} has no run, so Basalt cannot hold it")
        run = found.run_id
        folder = f"{LOGGED_MODELS_FOLDER}/{model_id}"
        if not self.services.runs.list_artifacts(workspace, run, folder):
            local = source.download_logged_model(model_id, tmp / model_id)
            for file in sorted(p for p in local.rglob("*") if p.is_file()):
                rel = file.relative_to(local).as_posix()
                self.services.runs.upload_artifact(workspace, run, f"{folder}/{rel}", file)
        try:
            self.services.logged_models.get(workspace, model_id)
        except NotFoundError:
            # NOTE: a service of our own with a fixed id factory keeps MLflow's model id.
            keep = LoggedModelService(
                self.services.uow,
                self.services.clock,
                self.services.runs,
                id_factory=lambda: model_id,
            )
            keep.create(
                workspace,
                run,
                found.name,
                model_type=found.model_type,
                params=found.params,
                tags=found.tags,
            )
            keep.update(workspace, model_id, status="READY")
        return f"runs:/{run}/{folder}"

    def _name_properties(self, model: SourceModel, workspace: str, report: ImportReport) -> None:
        models = self.services.models
        counts = report.counts["registered_models"]
        anchor = self._anchor(workspace, model.name)
        wanted = {RM_TAG + k: v for k, v in model.tags.items()}
        if model.description:
            wanted[RM_DESCRIPTION] = model.description
        if all(anchor.properties.get(k) == v for k, v in wanted.items()):
            counts.existing += 1
            return
        models.update(
            workspace,
            model.name,
            anchor.version,
            properties={**anchor.properties, **wanted},
        )
        counts.copied += 1

    def _anchor(self, workspace: str, name: str) -> Model:
        """The oldest version, archived or not (as the MLflow-compatible API picks it)."""
        versions: list[Model] = []
        token: str | None = None
        while True:
            page = self.services.models.list(
                workspace, name=name, include_archived=True, page_token=token, max_results=10_000
            )
            versions += page.items
            token = page.next_page_token
            if not token:
                return versions[-1]

    def _aliases(self, model: SourceModel, workspace: str, report: ImportReport) -> None:
        counts = report.counts["aliases"]
        for alias, version in sorted(model.aliases.items()):
            current = self._find_version(workspace, model.name, version)
            if current is not None and alias in current.labels:
                counts.existing += 1
                continue
            try:
                self.services.models.set_label(workspace, model.name, alias, version)
                counts.copied += 1
            except BasaltError as exc:
                report.fail("aliases", f"{model.name}@{alias}", exc.message)
