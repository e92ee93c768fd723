"""Builders in the shape of Azure ML SDK v2 for online endpoints and deployments.

from basalt import ManagedOnlineEndpoint, ManagedOnlineDeployment, CodeConfiguration
ep = ManagedOnlineEndpoint(name="ep1", auth_mode="key")
client.online_endpoints.begin_create_or_update(ep).result()
blue = ManagedOnlineDeployment(
    name="blue", endpoint_name="ep1", model="azureml:sklearn-model:1",
    code_configuration=CodeConfiguration(code="./onlinescoring", scoring_script="score.py"),
    environment="azureml:sklearn-env:1", instance_count=1)
client.online_deployments.begin_create_or_update(blue).result()

Local paths (code folder, model path, an inline environment's conda file) are made absolute
against the current directory when the builder is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from basalt.spec.endpoints import CodeConfiguration as _CodeConfiguration
from basalt.spec.endpoints import OnlineDeploymentCreate, OnlineEndpointCreate
from basalt.spec.references import LocalPath, classify

_MODEL_KEYS = ("path", "name", "version", "type", "description")
_ENV_KEYS = ("image", "conda_file", "pip_requirements", "build", "name", "version", "description")


def ManagedOnlineEndpoint(  # noqa: N802 - named as in Azure ML's SDK
    *,
    name: str,
    auth_mode: str = "key",
    description: str = "",
    tags: dict[str, str] | None = None,
    traffic: dict[str, int] | None = None,
    mirror_traffic: dict[str, int] | None = None,
    **azure_only: Any,
) -> OnlineEndpointCreate:
    """An online endpoint; Azure-only keywords (``identity``, ``public_network_access``) ignored."""
    fields: dict[str, Any] = {"name": name, "auth_mode": auth_mode, "description": description}
    for key, value in (("tags", tags), ("traffic", traffic), ("mirror_traffic", mirror_traffic)):
        if value is not None:
            fields[key] = value
    return OnlineEndpointCreate.model_validate(fields)


def CodeConfiguration(  # noqa: N802 - named as in Azure ML's SDK
    *, code: str | Path, scoring_script: str
) -> _CodeConfiguration:
    """The folder holding the scoring script, and the script's path inside it."""
    return _CodeConfiguration(code=_abs(str(code)), scoring_script=scoring_script)


def ManagedOnlineDeployment(  # noqa: N802 - named as in Azure ML's SDK
    *,
    name: str,
    endpoint_name: str,
    model: Any = None,
    code_configuration: _CodeConfiguration | dict[str, Any] | None = None,
    environment: Any = None,
    instance_type: str | None = None,
    instance_count: int = 1,
    environment_variables: dict[str, str] | None = None,
    request_settings: Any = None,
    liveness_probe: Any = None,
    readiness_probe: Any = None,
    app_insights_enabled: bool = False,
    data_collector: Any = None,
    description: str = "",
    tags: dict[str, str] | None = None,
    **azure_only: Any,
) -> OnlineDeploymentCreate:
    """A deployment of a model behind an endpoint.

    ``model`` is ``"azureml:name:version"``, ``"name@latest"``, a dict or object with ``path``
    (and optionally ``name``, ``version``, ``type``); ``environment`` a reference, a dict, or
    an object with ``image``/``conda_file``. Azure-only keywords (``egress_public_network_access``,
    ``model_mount_path``) are ignored.
    """
    fields: dict[str, Any] = {
        "name": name,
        "endpoint_name": endpoint_name,
        "model": model_fields(model),
        "environment": environment_fields(environment),
        "instance_type": instance_type,
        "instance_count": instance_count,
        "environment_variables": environment_variables,
        "request_settings": _plain(request_settings),
        "liveness_probe": _plain(liveness_probe),
        "readiness_probe": _plain(readiness_probe),
        "app_insights_enabled": app_insights_enabled,
        "data_collector": _plain(data_collector),
        "description": description,
        "tags": tags,
    }
    if isinstance(code_configuration, dict):
        code_configuration = CodeConfiguration(**code_configuration)
    fields["code_configuration"] = code_configuration
    return OnlineDeploymentCreate.model_validate({k: v for k, v in fields.items() if v is not None})


def _abs(text: str) -> str:
    found = classify(text)
    if not isinstance(found, LocalPath):
        return text
    return str(Path(found.path).expanduser().resolve())


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, dict):
        return value
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    return {k: v for k, v in vars(value).items() if not k.startswith("_") and v is not None}


def model_fields(model: Any) -> Any:
    """A deployment's ``model`` argument as wire fields (local paths made absolute)."""
    if model is None or isinstance(model, str):
        return model
    data = model if isinstance(model, dict) else _pick(model, _MODEL_KEYS)
    data = {k: v for k, v in data.items() if v is not None}
    if isinstance(data.get("path"), str):
        data["path"] = _abs(data["path"])
    if isinstance(data.get("version"), int):
        data["version"] = str(data["version"])
    return data


def environment_fields(env: Any) -> Any:
    """A deployment's ``environment`` argument: a reference, or an inline spec loaded."""
    if env is None or isinstance(env, str):
        return env
    data = env if isinstance(env, dict) else _pick(env, _ENV_KEYS)
    data = {k: v for k, v in data.items() if v is not None}
    from basalt.spec.environment_yaml import load_environment_dict

    return load_environment_dict(data, Path.cwd())


def _pick(obj: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in keys if getattr(obj, k, None) is not None}
