"""Named outputs that name an asset (``name:``/``version:``) are registered when a job ends."""

from __future__ import annotations

from pathlib import Path

from basalt.errors import BasaltError
from basalt.services.container import Services
from basalt.spec.jobs import CommandJob, OutputType
from basalt.spec.models import ModelCreate, ModelType

_MODEL_TYPES = {
    OutputType.MLFLOW_MODEL: ModelType.MLFLOW,
    OutputType.CUSTOM_MODEL: ModelType.CUSTOM,
}


def register_outputs(
    s: Services, workspace: str, run: str, job: CommandJob, outputs: dict[str, Path]
) -> list[str]:
    """Register each output that names an asset; lines for the job's log."""
    lines: list[str] = []
    for name, spec in job.outputs.items():
        if spec is None or not spec.name:
            continue
        path = outputs[name]
        if not (path.exists() and any(path.iterdir() if path.is_dir() else [path])):
            lines.append(f"output {name!r} is empty; not registered as {spec.name!r}")
            continue
        kind = OutputType(spec.type)
        if kind not in _MODEL_TYPES:
            lines.append(
                f"output {name!r} is stored with the job (azureml://jobs/{run}/outputs/{name}); "
                f"registering {kind.value} outputs as data assets comes with data assets"
            )
            continue
        try:
            model = s.models.create_model(
                workspace,
                ModelCreate(
                    name=spec.name,
                    version=spec.version,
                    path=f"runs:/{run}/{name}",
                    type=_MODEL_TYPES[kind],
                    job_name=run,
                ),
            )
        except BasaltError as exc:
            lines.append(f"could not register output {name!r} as model {spec.name!r}: {exc}")
            continue
        lines.append(f"registered output {name!r} as model {model.name}:{model.version}")
    return lines
