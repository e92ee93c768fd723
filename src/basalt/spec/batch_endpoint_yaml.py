"""Load Azure ML batch endpoint and deployment YAML files.

``basalt batch-endpoint create -f endpoint.yml`` reads ``batchEndpoint.schema.json`` files
(``name``, ``description``, ``tags``, ``auth_mode``, ``defaults.deployment_name``);
``basalt batch-deployment create -f deployment.yml`` reads ``modelBatchDeployment`` files (the
mini-batch settings under ``settings:``) and the older flat ``batchDeployment`` ones (the same
keys at the top level). Errors say ``file:<line>: <key>: <what to do>``; Azure-only keys are
dropped with a warning; local paths are made absolute relative to the file, as for online
deployments (``spec/endpoint_yaml.py``, whose helpers this reuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from basalt.errors import invalid
from basalt.spec.batch_endpoints import (
    BatchDeploymentCreate,
    BatchEndpointCreate,
    BatchResources,
    BatchSettings,
)
from basalt.spec.common import JSON, KeyValues, SpecModel
from basalt.spec.endpoint_yaml import (
    ModelYamlInline,
    Where,
    check_name_at,
    code_folder,
    drop_azure_only,
    resolve_model_and_environment,
)
from basalt.spec.endpoints import CodeConfiguration
from basalt.spec.job_yaml import apply_override
from basalt.spec.yaml_files import Lines, load_mapping, validate_file

ENDPOINT_AZURE_ONLY = ("identity", "properties", "kind", "public_network_access")
DEPLOYMENT_AZURE_ONLY = ("identity", "properties", "job_definition", "deployment_configuration")
SETTING_KEYS = tuple(BatchSettings.model_fields)
"""Keys that ``batchDeployment`` has at the top level and ``modelBatchDeployment`` in settings."""


class _Defaults(SpecModel):
    deployment_name: str | None = None


class BatchEndpointYaml(SpecModel):
    """``batchEndpoint`` YAML."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    auth_mode: str = "aad_token"
    defaults: _Defaults = Field(default_factory=_Defaults)


class BatchDeploymentYaml(SpecModel):
    """``modelBatchDeployment`` / ``batchDeployment`` YAML (settings gathered under settings)."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str
    endpoint_name: str
    type: str = "model"
    model: str | ModelYamlInline | None = None
    code_configuration: CodeConfiguration | None = None
    environment: str | dict[str, JSON] | None = None
    compute: str | None = None
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    resources: BatchResources = Field(default_factory=BatchResources)
    settings: BatchSettings = Field(default_factory=BatchSettings)


@dataclass
class LoadedBatchEndpoint:
    """A validated batch endpoint body and the warnings to show."""

    body: BatchEndpointCreate
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadedBatchDeployment:
    """A validated batch deployment body and the warnings to show."""

    body: BatchDeploymentCreate
    warnings: list[str] = field(default_factory=list)


def load_batch_endpoint(path: Path, overrides: Sequence[str] = ()) -> LoadedBatchEndpoint:
    """Load a batch endpoint YAML file (``--set key=value`` overrides applied first).

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>``.
    """
    data, lines = load_mapping(path)
    warnings = drop_azure_only(data, lines, path, ENDPOINT_AZURE_ONLY)
    overridden = [apply_override(data, text) for text in overrides]
    where = Where(path, lines, overridden)
    if data.get("auth_mode", "aad_token") not in ("aad_token", "aml_token", "key"):
        raise invalid("auth_mode", f"{where(('auth_mode',))}: expected aad_token or aml_token")
    parsed = validate_file(BatchEndpointYaml, data, lines, path, overridden=overridden)
    check_name_at(parsed.name, "Batch endpoint", where, ("name",))
    default = parsed.defaults.deployment_name
    if default is not None:
        check_name_at(default, "Deployment", where, ("defaults", "deployment_name"))
    body = BatchEndpointCreate.model_validate(
        {
            "name": parsed.name,
            "description": parsed.description,
            "tags": parsed.tags,
            "auth_mode": parsed.auth_mode,
            "default_deployment": default,
        }
    )
    return LoadedBatchEndpoint(body=body, warnings=warnings)


def load_batch_deployment(path: Path, overrides: Sequence[str] = ()) -> LoadedBatchDeployment:
    """Load a batch deployment YAML file; local paths become absolute (relative to the file).

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>`` (a missing code folder,
            scoring script or model path is reported at its key's line; a pipeline deployment
            is refused).
    """
    data, lines = load_mapping(path)
    base_dir = path.resolve().parent
    warnings = drop_azure_only(data, lines, path, DEPLOYMENT_AZURE_ONLY)
    overridden = [apply_override(data, text) for text in overrides]
    where = Where(path, lines, overridden)
    _gather_settings(data, lines, where)
    resources = data.get("resources")
    if isinstance(resources, dict) and "instance_type" in resources:
        del resources["instance_type"]
        warnings.append(
            f"{where(('resources', 'instance_type'))}: ignored (jobs run on the compute target)"
        )
    kind = data.get("type", "model")
    if kind != "model":
        raise invalid(
            "type",
            f"{where(('type',))}: only type: model batch deployments are supported, not "
            f"{kind!r}; run a pipeline as a job (basalt job create -f pipeline.yml)",
        )
    parsed = validate_file(BatchDeploymentYaml, data, lines, path, overridden=overridden)
    fields: dict[str, Any] = parsed.model_dump(exclude={"schema_"}, exclude_unset=True)
    check_name_at(parsed.name, "Batch deployment", where, ("name",))
    check_name_at(parsed.endpoint_name, "Batch endpoint", where, ("endpoint_name",))
    if parsed.code_configuration is not None:
        fields["code_configuration"] = code_folder(parsed.code_configuration, base_dir, where)
    resolve_model_and_environment(parsed.model, parsed.environment, fields, base_dir, where)
    body = BatchDeploymentCreate.model_validate(fields)
    return LoadedBatchDeployment(body=body, warnings=warnings)


def _gather_settings(data: dict[str, Any], lines: Lines, where: Where) -> None:
    """Move the flat schema's top-level settings under ``settings:`` (lines follow them)."""
    settings = data.get("settings")
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise invalid("settings", f"{where(('settings',))}: expected a mapping of settings")
    for key in SETTING_KEYS:
        if key not in data:
            continue
        if key in settings:
            raise invalid(
                f"settings.{key}",
                f"{where((key,))}: {key} is given both at the top level and under settings; "
                "keep one",
            )
        settings[key] = data.pop(key)
        for path, line in list(lines.items()):
            if path[:1] == (key,):
                lines[("settings", *path)] = line
    if settings:
        data["settings"] = settings
