"""Basalt: an open machine-learning workspace.

The public surface is resolved lazily, so ``import basalt`` inside a job stays fast and loads
no server, SQLAlchemy or pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from basalt._version import __version__

if TYPE_CHECKING:
    from basalt.client.batch_builders import (
        BatchEndpoint,
        BatchRetrySettings,
        ModelBatchDeployment,
        ModelBatchDeploymentSettings,
    )
    from basalt.client.builders import Input, Output, command
    from basalt.client.client import Client
    from basalt.client.endpoint_builders import (
        CodeConfiguration,
        ManagedOnlineDeployment,
        ManagedOnlineEndpoint,
    )
    from basalt.tracking import (
        ActiveRun,
        active_run,
        end_run,
        flush,
        log_artifact,
        log_image,
        log_metric,
        log_metrics,
        log_param,
        log_params,
        set_tag,
        set_tags,
        start_run,
    )

__all__ = [
    "ActiveRun",
    "BatchEndpoint",
    "BatchRetrySettings",
    "Client",
    "CodeConfiguration",
    "Input",
    "ManagedOnlineDeployment",
    "ManagedOnlineEndpoint",
    "ModelBatchDeployment",
    "ModelBatchDeploymentSettings",
    "Output",
    "__version__",
    "active_run",
    "end_run",
    "flush",
    "log_artifact",
    "log_image",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "set_tag",
    "set_tags",
    "start_run",
    "command",
]

_BUILDERS = ("Input", "Output", "command")
_ENDPOINT_BUILDERS = ("CodeConfiguration", "ManagedOnlineDeployment", "ManagedOnlineEndpoint")
_BATCH_BUILDERS = (
    "BatchEndpoint",
    "BatchRetrySettings",
    "ModelBatchDeployment",
    "ModelBatchDeploymentSettings",
)
_LAZY = {
    name: "basalt.tracking"
    for name in __all__
    if name not in ("Client", "__version__", *_BUILDERS, *_ENDPOINT_BUILDERS, *_BATCH_BUILDERS)
}
_LAZY["Client"] = "basalt.client.client"
_LAZY.update({name: "basalt.client.builders" for name in _BUILDERS})
_LAZY.update({name: "basalt.client.endpoint_builders" for name in _ENDPOINT_BUILDERS})
_LAZY.update({name: "basalt.client.batch_builders" for name in _BATCH_BUILDERS})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'basalt' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
