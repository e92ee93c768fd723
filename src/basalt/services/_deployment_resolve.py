"""Resolving what a deployment needs: its model (registered or inline) and its code.

An inline model (``model: {path}``) is registered as a model version named
``<endpoint>-<deployment>`` unless it has a name; the latest version of that name is reused
when its files are the same, so redeploying the same files adds no version. The code folder's
files are uploaded by the SDK first; here the manifest is written and the scoring script checked.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Protocol

from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.errors import AlreadyExistsError, NotFoundError, invalid
from basalt.services.model_files import model_facts
from basalt.services.models import ModelService, parse_run_path
from basalt.spec.endpoints import CodeConfiguration, InlineModel
from basalt.spec.models import Model, ModelCreate, ModelFile, ModelType
from basalt.spec.references import parse_asset_ref


class DeploymentBody(Protocol):
    """What resolution reads of an online or a batch deployment's body."""

    @property
    def name(self) -> str:
        """The deployment's name."""
        ...

    @property
    def endpoint_name(self) -> str:
        """Its endpoint's name."""
        ...

    @property
    def model(self) -> str | InlineModel | None:
        """A model reference or an inline model."""
        ...

    @property
    def code_configuration(self) -> CodeConfiguration | None:
        """The code folder and scoring script."""
        ...

    @property
    def code_files(self) -> list[ModelFile] | None:
        """The uploaded files of the code folder."""
        ...

    @property
    def created_by(self) -> str | None:
        """Who sent it."""
        ...


def resolve_model(
    models: ModelService, blobs: SnapshotStore, workspace: str, body: DeploymentBody
) -> Model:
    """The registered model version a deployment uses (an inline one is registered first).

    Raises:
        InvalidArgumentError: No model, a registry model, or local files that were not sent.
        NotFoundError: No such model, version or label.
        AlreadyExistsError: An inline model names a version that exists with other files.
    """
    if body.model is None:
        raise invalid(
            "model",
            f"Deployment '{body.name}' needs a model: model: azureml:<name>:<version>, "
            "<name>@latest, or model: {path: ./model}",
        )
    if isinstance(body.model, str):
        ref = parse_asset_ref(body.model, "model")
        if ref.registry is not None:
            raise invalid(
                "model",
                f"model {body.model!r} is in registry '{ref.registry}', which Basalt cannot "
                "reach; register the model in this workspace (basalt model create) and use "
                "azureml:<name>:<version>",
            )
        label = ref.label if ref.version is None else None
        return models.get(workspace, ref.name, ref.version, label)
    return _inline_model(models, blobs, workspace, body, body.model)


def _inline_model(
    models: ModelService,
    blobs: SnapshotStore,
    workspace: str,
    body: DeploymentBody,
    inline: InlineModel,
) -> Model:
    name = inline.name or f"{body.endpoint_name}-{body.name}"
    if inline.files is None and parse_run_path(inline.path) is None:
        raise invalid(
            "model.files",
            f"model path {inline.path!r} is local: upload its files first and send their "
            "list in model.files (the SDK and CLI do this)",
        )
    if inline.files is not None:
        files = [SnapshotFile(f.path, f.sha256, f.size) for f in inline.files]
        manifest = blobs.write_manifest(sorted(files, key=lambda f: f.path))
        try:
            existing = models.get(workspace, name, inline.version)
        except NotFoundError:
            existing = None
        if existing is not None and existing.content_hash == manifest:
            return existing  # the same files: no new version
        if existing is not None and inline.version is not None:
            raise AlreadyExistsError(
                f"Model '{name}' version {inline.version} exists with other files; drop "
                "model.version (a new version is made) or give a new one",
                details={"name": name, "version": inline.version},
            )
    create = ModelCreate(
        name=name,
        version=inline.version,
        path=inline.path,
        type=inline.type,
        description=inline.description
        or f"Registered for deployment {body.name} of endpoint {body.endpoint_name}",
        files=inline.files,
        created_by=body.created_by,
    )
    return models.create_model(workspace, create)


NO_CODE_FLAVORS = frozenset({"mlflow", "sklearn", "xgboost", "lightgbm", "onnx"})
"""Flavors the no-code scoring script loads (``serving/nocode_score.py``)."""


def check_code_needed(
    body: DeploymentBody, model_type: ModelType, model: str, flavor: str | None = None
) -> None:
    """Refuse a deployment without code for a model that carries no loader of its own.

    Raises:
        InvalidArgumentError: Saying the model needs a scoring script.
    """
    if body.code_configuration is not None or model_type == ModelType.MLFLOW:
        return
    if flavor in NO_CODE_FLAVORS:
        return
    raise invalid(
        "code_configuration",
        f"Deployment '{body.name}': model {model} is a {model_type.value} of flavor "
        f"{flavor or 'unknown'}, so it needs code_configuration: {{code, scoring_script}} "
        "(models deploy without code when they are MLflow models, or scikit-learn, XGBoost, "
        "LightGBM or ONNX files)",
    )


def inline_flavor(body: DeploymentBody) -> str | None:
    """The flavor an inline model's file names suggest, before it is registered."""
    model = body.model
    if not isinstance(model, InlineModel) or model.files is None:
        return None
    return model_facts([f.path for f in model.files], lambda path: None).flavor


def store_code(blobs: SnapshotStore, body: DeploymentBody) -> tuple[str | None, int]:
    """Write the code's manifest; ``(manifest id or None, number of files)``.

    Raises:
        InvalidArgumentError: Code files not sent, or a scoring script not among them.
    """
    cfg = body.code_configuration
    if cfg is None:
        return None, 0
    if body.code_files is None:
        raise invalid(
            "code_files",
            f"code {cfg.code!r} is a local folder: upload its files first and send their "
            "list in code_files (the SDK and CLI do this)",
        )
    files = [
        SnapshotFile(normalize_artifact_path(f.path, field="code_files.path"), f.sha256, f.size)
        for f in body.code_files
    ]
    script = normalize_artifact_path(cfg.scoring_script, field="scoring_script")
    if script not in {f.path for f in files}:
        raise invalid(
            "code_configuration.scoring_script",
            f"scoring_script {cfg.scoring_script!r} is not in the code folder {cfg.code!r}; "
            "it is relative to that folder",
        )
    return blobs.write_manifest(sorted(files, key=lambda f: f.path)), len(files)


def model_dir_name(model: Model) -> str:
    """The folder ``AZUREML_MODEL_DIR`` holds: the registered path's last part, as on Azure.

    A model registered from one file has no folder: the file sits in ``AZUREML_MODEL_DIR``.
    """
    if len(model.files) == 1 and PurePosixPath(model.path.rstrip("/")).name == model.files[0]:
        return ""
    name = PurePosixPath(model.path.replace("\\", "/").rstrip("/")).name
    return "" if name in ("", ".", "..") else name
