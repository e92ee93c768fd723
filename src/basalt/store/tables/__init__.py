"""ORM tables, one module per concept; importing this package registers them all."""

from basalt.store.tables.base import Base
from basalt.store.tables.experiments import ExperimentRow, ExperimentTagRow
from basalt.store.tables.runs import (
    LatestMetricRow,
    MetricChunkRow,
    ParamRow,
    RunRow,
    RunStatusChangeRow,
    RunTagRow,
)
from basalt.store.tables.workspaces import WorkspaceRow

__all__ = [
    "Base",
    "ExperimentRow",
    "ExperimentTagRow",
    "LatestMetricRow",
    "MetricChunkRow",
    "ParamRow",
    "RunRow",
    "RunStatusChangeRow",
    "RunTagRow",
    "WorkspaceRow",
]
