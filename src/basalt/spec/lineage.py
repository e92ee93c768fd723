"""Lineage: the graph around a job, a data or model version, or a deployment.

Nodes are named ``<kind>:<name>[:<version>]`` (``job:keen_owl_1``, ``data:iris:2``,
``model:churn:3``, ``deployment:ep/blue``, ``datastore:s3data/raw``); edges point the way
data flows: a data version → the job that read it → the model version it produced → the
deployment that serves it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from basalt.spec.common import Entity


class LineageKind(StrEnum):
    """What a lineage node is."""

    JOB = "job"
    DATA = "data"
    MODEL = "model"
    DEPLOYMENT = "deployment"
    BATCH_DEPLOYMENT = "batch-deployment"
    DATASTORE = "datastore"
    URI = "uri"


def node_id(kind: LineageKind | str, name: str, version: str | None = None) -> str:
    """A node's id.

    Example:
        >>> node_id(LineageKind.DATA, "iris", "2")
        'data:iris:2'
    """
    return f"{LineageKind(kind).value}:{name}" + (f":{version}" if version else "")


class LineageNode(Entity):
    """One thing in the graph."""

    id: str
    kind: LineageKind
    name: str
    version: str | None = None
    status: str | None = Field(default=None, description="A job's status, where known.")


class LineageEdge(Entity):
    """``source`` flowed into ``target``: ``input`` (named), ``produced`` or ``serves``."""

    source: str
    target: str
    relation: str
    label: str | None = Field(default=None, description="The job's input name, for inputs.")


class LineageGraph(Entity):
    """The nodes within ``depth`` hops of ``root``, and the edges between them."""

    root: str
    depth: int
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(default=False, description="More nodes exist beyond the cap.")
