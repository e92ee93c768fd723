"""The light in-job logging client: ``start_run`` and ``log_*``, batched in the background.

Importing this module loads no server, SQLAlchemy or pandas; the SDK client is built lazily at
the first call.
"""

from basalt.tracking.fluent import (
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
]
