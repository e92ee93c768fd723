"""Load Azure ML online endpoint and deployment YAML files (``managedOnline*.schema.json``).

``basalt online-endpoint create -f endpoint.yml`` and ``basalt online-deployment create -f
blue-deployment.yml`` read them. Errors say ``file:<line>: <key>: <what to do>``; keys that only
mean something on Azure (``identity``, ``public_network_access``, ``model_mount_path`` ...) are
dropped with a warning; local paths (``code_configuration.code``, an inline ``model.path``, an
inline environment's ``conda_file``) are made absolute relative to the YAML file and must exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from basalt.errors import InvalidArgumentError, invalid
from basalt.spec.common import JSON, KeyValues, SpecModel
from basalt.spec.endpoints import (
    CodeConfiguration,
    OnlineDeploymentCreate,
    OnlineEndpointCreate,
    ProbeSettings,
    RequestSettings,
    check_resource_name,
)
from basalt.spec.environment_yaml import load_environment_dict, load_environment_yaml
from basalt.spec.job_yaml import apply_override
from basalt.spec.models import ModelType
from basalt.spec.references import LocalPath, classify, is_local
from basalt.spec.yaml_files import KeyPath, Lines, load_mapping, validate_file

ENDPOINT_AZURE_ONLY = ("identity", "public_network_access", "properties", "compute", "kind")
DEPLOYMENT_AZURE_ONLY = (
    "egress_public_network_access",
    "model_mount_path",
    "scale_settings",
    "resources",
    "private_network_connection",
    "properties",
    "identity",
    "type",
)


class EndpointYaml(SpecModel):
    """``managedOnlineEndpoint`` YAML (traffic is usually set with the CLI, not here)."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str
    auth_mode: str = "key"
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    traffic: dict[str, int] | None = None
    mirror_traffic: dict[str, int] | None = None


class ModelYamlInline(SpecModel):
    """``model: {path, name, version, type, description}`` inside a deployment."""

    path: str
    name: str | None = None
    version: str | int | None = None
    type: ModelType = ModelType.CUSTOM
    description: str = ""


class DeploymentYaml(SpecModel):
    """``managedOnlineDeployment`` YAML."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str
    endpoint_name: str
    model: str | ModelYamlInline | None = None
    code_configuration: CodeConfiguration | None = None
    environment: str | dict[str, JSON] | None = None
    description: str = ""
    tags: KeyValues = Field(default_factory=dict)
    instance_count: int = 1
    instance_type: str | None = None
    environment_variables: dict[str, str] = Field(default_factory=dict)
    request_settings: RequestSettings = Field(default_factory=RequestSettings)
    liveness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    readiness_probe: ProbeSettings = Field(default_factory=ProbeSettings)
    app_insights_enabled: bool = False
    data_collector: dict[str, JSON] | None = None


@dataclass
class LoadedEndpoint:
    """A validated endpoint body and the warnings to show."""

    body: OnlineEndpointCreate
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadedDeployment:
    """A validated deployment body and the warnings to show."""

    body: OnlineDeploymentCreate
    warnings: list[str] = field(default_factory=list)


@dataclass
class Where:
    """Says where a key is: ``file:line: key`` (or ``(from --set)``)."""

    path: Path
    lines: Lines
    overridden: list[KeyPath]

    def __call__(self, keys: KeyPath) -> str:
        """``file:line: a.b`` for the key path ``keys``."""
        dotted = ".".join(map(str, keys))
        if any(keys[: len(o)] == o for o in self.overridden):
            return f"{self.path}: {dotted} (from --set)"
        line = next(
            (self.lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in self.lines), None
        )
        return f"{self.path}:{line}: {dotted}" if line else f"{self.path}: {dotted}"


def load_endpoint(path: Path, overrides: Sequence[str] = ()) -> LoadedEndpoint:
    """Load an endpoint YAML file (``--set key=value`` overrides applied first).

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>``.
    """
    data, lines = load_mapping(path)
    warnings = drop_azure_only(data, lines, path, ENDPOINT_AZURE_ONLY)
    overridden = [apply_override(data, text) for text in overrides]
    where = Where(path, lines, overridden)
    mode = data.get("auth_mode", "key")
    if mode not in ("key", "aml_token", "aad_token"):
        raise invalid("auth_mode", f"{where(('auth_mode',))}: expected key or aml_token")
    parsed = validate_file(EndpointYaml, data, lines, path, overridden=overridden)
    fields = parsed.model_dump(exclude={"schema_"}, exclude_unset=True)
    check_name_at(parsed.name, "Endpoint", where, ("name",))
    body = OnlineEndpointCreate.model_validate(fields)
    return LoadedEndpoint(body=body, warnings=warnings)


def load_deployment(path: Path, overrides: Sequence[str] = ()) -> LoadedDeployment:
    """Load a deployment YAML file; local paths become absolute (relative to the file).

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>`` (a missing code folder,
            scoring script or model path is reported at its key's line).
    """
    data, lines = load_mapping(path)
    base_dir = path.resolve().parent
    warnings = drop_azure_only(data, lines, path, DEPLOYMENT_AZURE_ONLY)
    overridden = [apply_override(data, text) for text in overrides]
    where = Where(path, lines, overridden)
    parsed = validate_file(DeploymentYaml, data, lines, path, overridden=overridden)
    fields = parsed.model_dump(exclude={"schema_"}, exclude_unset=True)
    check_name_at(parsed.name, "Deployment", where, ("name",))
    check_name_at(parsed.endpoint_name, "Endpoint", where, ("endpoint_name",))
    if parsed.code_configuration is not None:
        fields["code_configuration"] = code_folder(parsed.code_configuration, base_dir, where)
    resolve_model_and_environment(parsed.model, parsed.environment, fields, base_dir, where)
    body = OnlineDeploymentCreate.model_validate(fields)
    return LoadedDeployment(body=body, warnings=warnings)


def resolve_model_and_environment(
    model: str | ModelYamlInline | None,
    env: str | dict[str, JSON] | None,
    fields: dict[str, Any],
    base_dir: Path,
    where: Where,
) -> None:
    """Put an inline model's absolute path and a loaded inline/file environment in ``fields``.

    Raises:
        InvalidArgumentError: A blank model, or a model path or environment file that is
            missing (``file:line: key: ...``).
    """
    if isinstance(model, ModelYamlInline):
        inline = model.model_dump(exclude_none=True)
        inline["path"] = str(local_path(model.path, base_dir, where, ("model", "path")))
        if "version" in inline:
            inline["version"] = str(inline["version"])
        fields["model"] = inline
    elif isinstance(model, str) and not model.strip():
        raise invalid("model", f"{where(('model',))}: expected azureml:<name>:<version> or path")
    if isinstance(env, dict):
        fields["environment"] = load_environment_dict(env, base_dir)
    elif isinstance(env, str) and is_env_file(env):
        env_path = local_path(env, base_dir, where, ("environment",))
        if not env_path.is_file():
            raise invalid("environment", f"{where(('environment',))}: {env_path} is not a file")
        fields["environment"] = load_environment_yaml(env_path)


def drop_azure_only(
    data: dict[str, Any], lines: Lines, path: Path, keys: Sequence[str]
) -> list[str]:
    """Remove ``keys`` (that only mean something on Azure) from ``data``; the warning to show."""
    found = []
    for key in keys:
        if key in data:
            if key == "type" and data[key] == "managed":
                del data[key]
                continue
            del data[key]
            found.append(f"{key} (line {lines.get((key,), '?')})")
    if not found:
        return []
    return [f"{path}: ignored keys that only mean something on Azure: {', '.join(found)}"]


def code_folder(code: CodeConfiguration, base_dir: Path, where: Where) -> dict[str, Any]:
    """``code_configuration`` with the code folder made absolute; folder and script checked.

    Raises:
        InvalidArgumentError: No code folder, or the folder or the scoring script is missing.
    """
    if code.code is None:
        raise invalid(
            "code_configuration.code",
            f"{where(('code_configuration',))}: code: is missing; name the folder that holds "
            f"{code.scoring_script}",
        )
    folder = local_path(code.code, base_dir, where, ("code_configuration", "code"))
    if not folder.is_dir():
        raise invalid(
            "code_configuration.code",
            f"{where(('code_configuration', 'code'))}: {folder} is not a folder; point code at "
            "the folder holding your scoring script",
        )
    script = folder / code.scoring_script
    if not script.is_file():
        raise invalid(
            "code_configuration.scoring_script",
            f"{where(('code_configuration', 'scoring_script'))}: {script} does not exist; "
            "scoring_script is relative to the code folder",
        )
    return {"code": str(folder), "scoring_script": code.scoring_script}


def local_path(text: str, base_dir: Path, where: Where, keys: KeyPath) -> Path:
    """A local path of the YAML made absolute (relative to its folder).

    Raises:
        InvalidArgumentError: Not a local path, or nothing there.
    """
    if not is_local(text):
        raise invalid(".".join(map(str, keys)), f"{where(keys)}: {text!r} must be a local path")
    found = classify(text)
    assert isinstance(found, LocalPath)
    local = Path(found.path).expanduser()
    resolved = local if local.is_absolute() else (base_dir / local).resolve()
    if not resolved.exists():
        raise invalid(
            ".".join(map(str, keys)), f"{where(keys)}: {resolved} does not exist; check the path"
        )
    return resolved


def is_env_file(text: str) -> bool:
    """Whether an ``environment:`` string names a local environment YAML file."""
    stripped = text.strip()
    return is_local(stripped) and (
        stripped.startswith("file:") or stripped.endswith((".yml", ".yaml"))
    )


def check_name_at(value: str, what: str, where: Where, keys: KeyPath) -> None:
    """Check an endpoint or deployment name, saying where it is in the file.

    Raises:
        InvalidArgumentError: ``file:line: key: ...``.
    """
    try:
        check_resource_name(value, what)
    except InvalidArgumentError as exc:
        raise invalid(".".join(map(str, keys)), f"{where(keys)}: {exc.message}") from None
