"""ORM tables, one module per concept; importing this package registers them all."""

from basalt.store.tables.asset_links import (
    AssetEventRow,
    AssetUseRow,
    JobInputRefRow,
    WebhookDeliveryRow,
    WebhookRow,
)
from basalt.store.tables.assets import AssetLabelRow, AssetVersionRow
from basalt.store.tables.base import Base
from basalt.store.tables.batch_endpoints import BatchDeploymentRow, BatchEndpointRow
from basalt.store.tables.computes import ComputeRow
from basalt.store.tables.datastores import DatastoreRow
from basalt.store.tables.endpoints import OnlineDeploymentRow, OnlineEndpointRow
from basalt.store.tables.experiments import ExperimentRow, ExperimentTagRow
from basalt.store.tables.identity import AuditRow, MembershipRow, TokenRow, UserRow
from basalt.store.tables.runs import (
    LatestMetricRow,
    MetricChunkRow,
    ParamRow,
    RunRow,
    RunStatusChangeRow,
    RunTagRow,
)
from basalt.store.tables.secrets import SecretRow
from basalt.store.tables.telemetry import DeploymentMetricRow
from basalt.store.tables.workspaces import WorkspaceRow

__all__ = [
    "AssetEventRow",
    "AssetUseRow",
    "DatastoreRow",
    "DeploymentMetricRow",
    "JobInputRefRow",
    "WebhookDeliveryRow",
    "WebhookRow",
    "AssetLabelRow",
    "AuditRow",
    "MembershipRow",
    "TokenRow",
    "UserRow",
    "AssetVersionRow",
    "Base",
    "BatchDeploymentRow",
    "BatchEndpointRow",
    "ComputeRow",
    "ExperimentRow",
    "ExperimentTagRow",
    "LatestMetricRow",
    "MetricChunkRow",
    "OnlineDeploymentRow",
    "OnlineEndpointRow",
    "ParamRow",
    "RunRow",
    "RunStatusChangeRow",
    "RunTagRow",
    "SecretRow",
    "WorkspaceRow",
]
