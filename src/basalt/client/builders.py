"""Builders in the shape of Azure ML SDK v2: ``command()``, ``Input``, ``Output``.

from basalt import command, Input
job = command(code="./src", command="python train.py --lr ${{inputs.lr}}",
              inputs={"lr": 0.1}, environment="basalt-sklearn@latest", compute="local")
client.jobs.create_or_update(job)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from basalt.spec.jobs import CommandJob, JobInput, JobOutput
from basalt.spec.references import LocalPath, classify


def Input(  # noqa: N802 - named as in Azure ML's SDK
    *,
    type: str = "uri_folder",  # noqa: A002 - Azure ML's keyword
    path: str | None = None,
    mode: str | None = None,
    default: Any = None,
    optional: bool = False,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
    enum: list[Any] | None = None,
    description: str | None = None,
) -> JobInput:
    """A job input: data (``uri_file``, ``uri_folder``, a model ...) or a typed literal."""
    fields = {
        "type": type,
        "path": _abs(path),
        "mode": mode,
        "default": default,
        "optional": optional,
        "min": min,
        "max": max,
        "enum": enum,
        "description": description,
    }
    return JobInput.model_validate({k: v for k, v in fields.items() if v is not None})


def Output(  # noqa: N802 - named as in Azure ML's SDK
    *,
    type: str = "uri_folder",  # noqa: A002
    path: str | None = None,
    mode: str | None = None,
    name: str | None = None,
    version: str | None = None,
    description: str | None = None,
) -> JobOutput:
    """A job output; with ``name`` it is registered as that asset when the job ends."""
    fields = {
        "type": type,
        "path": path,
        "mode": mode,
        "name": name,
        "version": version,
        "description": description,
    }
    return JobOutput.model_validate({k: v for k, v in fields.items() if v is not None})


def command(
    *,
    command: str,
    code: str | Path | None = None,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    environment: str | dict[str, Any] | None = None,
    compute: str | None = None,
    name: str | None = None,
    display_name: str | None = None,
    experiment_name: str | None = None,
    description: str | None = None,
    tags: dict[str, str] | None = None,
    environment_variables: dict[str, str] | None = None,
    timeout: int | None = None,
    resources: dict[str, Any] | None = None,
    distribution: dict[str, Any] | None = None,
) -> CommandJob:
    """A command job; local paths are taken relative to the current folder."""
    data: dict[str, Any] = {
        "type": "command",
        "command": command,
        "code": _abs(str(code)) if code is not None else None,
        "inputs": inputs or {},
        "outputs": outputs or {},
        "environment": environment,
        "compute": compute,
        "name": name,
        "display_name": display_name,
        "experiment_name": experiment_name,
        "description": description,
        "tags": tags or {},
        "environment_variables": environment_variables or {},
        "limits": {"timeout": timeout} if timeout else None,
        "resources": resources,
        "distribution": distribution,
    }
    return CommandJob.model_validate({k: v for k, v in data.items() if v is not None})


def _abs(path: str | None) -> str | None:
    if path is None:
        return None
    target = classify(path)
    if isinstance(target, LocalPath):
        return str(Path(target.path).expanduser().resolve())
    return path
