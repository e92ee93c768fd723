"""Builders in the shape of Azure ML SDK v2 for batch endpoints and deployments.

from basalt import BatchEndpoint, ModelBatchDeployment, ModelBatchDeploymentSettings
client.batch_endpoints.begin_create_or_update(BatchEndpoint(name="heart")).result()
dep = ModelBatchDeployment(
    name="classifier", endpoint_name="heart", model="azureml:heart-model:1",
    code_configuration=CodeConfiguration(code="./code", scoring_script="batch_driver.py"),
    environment="azureml:sklearn-env:1", compute="local",
    settings=ModelBatchDeploymentSettings(mini_batch_size=10, error_threshold=-1))
client.batch_deployments.begin_create_or_update(dep).result()
"""

from __future__ import annotations

from typing import Any

from basalt.client.endpoint_builders import CodeConfiguration, environment_fields, model_fields
from basalt.spec.batch_endpoints import (
    BatchDeploymentCreate,
    BatchEndpointCreate,
    BatchSettings,
    RetrySettings,
)

__all__ = [
    "BatchEndpoint",
    "BatchRetrySettings",
    "ModelBatchDeployment",
    "ModelBatchDeploymentSettings",
]


def BatchEndpoint(  # noqa: N802 - named as in Azure ML's SDK
    *,
    name: str,
    description: str = "",
    tags: dict[str, str] | None = None,
    default_deployment_name: str | None = None,
    **azure_only: Any,
) -> BatchEndpointCreate:
    """A batch endpoint; Azure-only keywords (``auth_mode``, ``identity``) are ignored."""
    fields: dict[str, Any] = {"name": name, "description": description, "tags": tags or {}}
    if default_deployment_name is not None:
        fields["default_deployment"] = default_deployment_name
    return BatchEndpointCreate.model_validate(fields)


def BatchRetrySettings(  # noqa: N802 - named as in Azure ML's SDK
    *, max_retries: int = 3, timeout: int = 30
) -> RetrySettings:
    """How often a failed mini-batch is retried, and how long one try may take (seconds)."""
    return RetrySettings(max_retries=max_retries, timeout=timeout)


def ModelBatchDeploymentSettings(  # noqa: N802 - named as in Azure ML's SDK
    **settings: Any,
) -> BatchSettings:
    """Mini-batch settings of a deployment.

    Keywords: ``mini_batch_size``, ``max_concurrency_per_instance``, ``output_action``,
    ``output_file_name``, ``retry_settings``, ``error_threshold``, ``logging_level``,
    ``environment_variables``.
    """
    retry = settings.get("retry_settings")
    if retry is not None and not isinstance(retry, dict | RetrySettings):
        settings["retry_settings"] = {
            k: getattr(retry, k) for k in ("max_retries", "timeout") if hasattr(retry, k)
        }
    if hasattr(settings.get("output_action"), "value"):
        settings["output_action"] = settings["output_action"].value
    return BatchSettings.model_validate(settings)


def ModelBatchDeployment(  # noqa: N802 - named as in Azure ML's SDK
    *,
    name: str,
    endpoint_name: str,
    model: Any = None,
    code_configuration: Any = None,
    environment: Any = None,
    compute: str | None = None,
    resources: Any = None,
    settings: BatchSettings | dict[str, Any] | None = None,
    description: str = "",
    tags: dict[str, str] | None = None,
    **flat: Any,
) -> BatchDeploymentCreate:
    """A ``type: model`` batch deployment.

    ``settings`` may also be given flat (``mini_batch_size=10``), as the older
    ``BatchDeployment`` takes them; ``resources`` is a dict or an object with
    ``instance_count``. Azure-only keywords (``instance_type``) are ignored.
    """
    merged = settings.model_dump() if isinstance(settings, BatchSettings) else dict(settings or {})
    for key in BatchSettings.model_fields:
        if key in flat:
            merged[key] = flat[key]
    if isinstance(code_configuration, dict):
        code_configuration = CodeConfiguration(**code_configuration)
    count = (
        resources.get("instance_count", 1)
        if isinstance(resources, dict)
        else getattr(resources, "instance_count", 1)
    )
    fields: dict[str, Any] = {
        "name": name,
        "endpoint_name": endpoint_name,
        "model": model_fields(model),
        "code_configuration": code_configuration,
        "environment": environment_fields(environment),
        "compute": compute,
        "resources": {"instance_count": count or 1},
        "settings": ModelBatchDeploymentSettings(**merged),
        "description": description,
        "tags": tags,
    }
    return BatchDeploymentCreate.model_validate({k: v for k, v in fields.items() if v is not None})
