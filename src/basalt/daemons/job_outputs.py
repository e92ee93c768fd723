"""What happens to a job's named outputs when it ends, beyond being stored with the job.

An output with an explicit datastore ``path:`` is also written there (``${{name}}`` and
``${{default_datastore}}`` rendered); an output that names an asset (``name:``/``version:``) is
registered: model types as model versions, ``uri_file``/``uri_folder``/``mltable`` as data
assets, each with lineage to the job.
"""

from __future__ import annotations

from pathlib import Path

from basalt.errors import BasaltError
from basalt.services.container import Services
from basalt.services.datastores import DEFAULT_DATASTORE
from basalt.spec.data import DataCreate, DataType
from basalt.spec.jobs import CommandJob, OutputType
from basalt.spec.models import ModelCreate, ModelType
from basalt.spec.references import DatastorePath, classify

_MODEL_TYPES = {
    OutputType.MLFLOW_MODEL: ModelType.MLFLOW,
    OutputType.CUSTOM_MODEL: ModelType.CUSTOM,
}
_DATA_TYPES = {
    OutputType.URI_FILE: DataType.URI_FILE,
    OutputType.URI_FOLDER: DataType.URI_FOLDER,
    OutputType.MLTABLE: DataType.MLTABLE,
}


def register_outputs(
    s: Services, workspace: str, run: str, job: CommandJob, outputs: dict[str, Path]
) -> list[str]:
    """Copy outputs to their datastore paths and register those that name an asset.

    Returns:
        Lines for the job's log.
    """
    lines: list[str] = []
    for name, spec in job.outputs.items():
        if spec is None:
            continue
        path = outputs[name]
        empty = not (path.exists() and any(path.iterdir() if path.is_dir() else [path]))
        if spec.path:
            lines.append(_to_datastore(s, workspace, run, name, spec.path, path, empty))
        if not spec.name:
            continue
        if empty:
            lines.append(f"output {name!r} is empty; not registered as {spec.name!r}")
            continue
        lines.append(_register(s, workspace, run, name, path, OutputType(spec.type), spec))
    return lines


def _to_datastore(
    s: Services, workspace: str, run: str, name: str, where: str, path: Path, empty: bool
) -> str:
    target = classify(where.replace("${{name}}", run))
    if not isinstance(target, DatastorePath):
        return f"output {name!r}: path {where!r} is not a datastore path; kept with the job only"
    if empty:
        return f"output {name!r} is empty; nothing written to {where}"
    datastore = target.datastore.replace("${{default_datastore}}", DEFAULT_DATASTORE)
    try:
        count = s.datastores.upload(workspace, datastore, target.path, path)
    except BasaltError as exc:
        return f"could not write output {name!r} to {where}: {exc.message}"
    return f"wrote output {name!r} ({count} file(s)) to azureml://datastores/{datastore}/paths/{target.path}"


def _register(
    s: Services, workspace: str, run: str, name: str, path: Path, kind: OutputType, spec: object
) -> str:
    asset = getattr(spec, "name", None) or name
    version = getattr(spec, "version", None)
    source = f"azureml://jobs/{run}/outputs/{name}"
    if kind == OutputType.URI_FILE:
        source += f"/paths/{path.name}"  # the one file, not the output's folder
    try:
        if kind in _MODEL_TYPES:
            model = s.models.create_model(
                workspace,
                ModelCreate(
                    name=asset,
                    version=version,
                    path=source,
                    type=_MODEL_TYPES[kind],
                    job_name=run,
                ),
            )
            return f"registered output {name!r} as model {model.name}:{model.version}"
        data = s.data.create(
            workspace,
            DataCreate(name=asset, version=version, type=_DATA_TYPES[kind], path=source),
        )
        return f"registered output {name!r} as data {data.name}:{data.version}"
    except BasaltError as exc:
        return f"could not register output {name!r} as {asset!r}: {exc.message}"
