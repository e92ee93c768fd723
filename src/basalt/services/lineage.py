"""Lineage, recorded as things happen and walked on request.

What is recorded where: a job's inputs that name a data or model version, another job's
outputs or a datastore path go into ``job_input_refs`` when it is submitted; a model or data
version produced by a job keeps the job's run id (``asset_versions.run_id``); a deployment's
use of a model version is an ``asset_uses`` row. ``graph`` walks those both ways, breadth
first, up to ``depth`` hops and ``MAX_NODES`` nodes.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy import select

from basalt._internal.clock import Clock
from basalt.errors import NotFoundError, invalid
from basalt.services._run_rows import get_run_row
from basalt.services.workspaces import workspace_id
from basalt.spec.lineage import LineageEdge, LineageGraph, LineageKind, LineageNode, node_id
from basalt.store.tables import AssetUseRow, AssetVersionRow, JobInputRefRow, RunRow
from basalt.store.uow import Session, UnitOfWork

MAX_NODES = 500
MAX_DEPTH = 10
_ASSET_KINDS = (LineageKind.DATA.value, LineageKind.MODEL.value)
_INPUT_KINDS = {"data": "data", "model": "model", "run": "job", "datastore": "datastore"}


def input_refs(resolved_inputs: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(input name, kind, name, version) of the inputs worth a lineage edge.

    Example:
        >>> input_refs({"d": {"kind": "data", "name": "iris", "version": "2"},
        ...             "lr": {"kind": "literal", "value": 0.1}})
        [('d', 'data', 'iris', '2')]
    """
    out = []
    for key, item in sorted(resolved_inputs.items()):
        kind = _INPUT_KINDS.get(str(item.get("kind")))
        if kind == "data" or kind == "model":
            out.append((key, kind, str(item["name"]), str(item["version"])))
        elif kind == "job":
            out.append((key, kind, str(item["run"]), ""))
        elif kind == "datastore":
            path = str(item.get("path") or "").strip("/")
            out.append((key, kind, f"{item['datastore']}/{path}".rstrip("/"), ""))
    return out


class LineageService:
    """Records job inputs and answers ``graph`` queries."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def record_inputs(self, workspace: str, run_name: str, resolved: dict[str, Any]) -> None:
        """Index a submitted job's inputs (those that name a version, job or datastore path)."""
        refs = input_refs(resolved)
        if not refs:
            return
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            run = get_run_row(session, ws_id, workspace, run_name)
            for key, kind, name, version in refs:
                session.add(
                    JobInputRefRow(
                        workspace_id=ws_id,
                        run_id=run.id,
                        input_name=key,
                        kind=kind,
                        name=name,
                        version=version,
                    )
                )

    def graph(
        self,
        workspace: str,
        kind: LineageKind | str,
        name: str,
        version: str | None = None,
        depth: int = 3,
    ) -> LineageGraph:
        """The graph within ``depth`` hops of one job, data/model version or deployment.

        Raises:
            NotFoundError: No such workspace or thing.
            InvalidArgumentError: A bad kind or depth, or a data/model without a version.
        """
        start = LineageKind(kind) if kind in LineageKind._value2member_map_ else None
        if start is None or start in (LineageKind.DATASTORE, LineageKind.URI):
            raise invalid(
                "kind", f"lineage starts from a job, data, model or deployment, not {kind!r}"
            )
        if not 0 <= depth <= MAX_DEPTH:
            raise invalid("depth", f"depth must be between 0 and {MAX_DEPTH}")
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            walker = _Walker(session, ws_id, workspace)
            root = walker.root(start, name, version)
            return walker.walk(root, depth)


_DEPLOYMENT_KINDS = (LineageKind.DEPLOYMENT, LineageKind.BATCH_DEPLOYMENT)
"""Lineage kinds named as the in-use guard's user kinds (``asset_uses.user_kind``)."""


class _Walker:
    """One breadth-first walk in one session."""

    def __init__(self, session: Session, ws_id: int, workspace: str) -> None:
        self.s = session
        self.ws_id = ws_id
        self.workspace = workspace
        self.nodes: dict[str, LineageNode] = {}
        self.edges: dict[tuple[str, str, str, str | None], LineageEdge] = {}

    def root(self, kind: LineageKind, name: str, version: str | None) -> str:
        if kind == LineageKind.JOB:
            run = get_run_row(self.s, self.ws_id, self.workspace, name)
            return self._job(run)
        if kind in _DEPLOYMENT_KINDS:
            if not self._served_by(kind, name):
                raise NotFoundError(
                    f"No {kind.value} '{name}' uses a registered model", details={"name": name}
                )
            return self._node(kind, name)
        if version is None:
            raise invalid("version", f"give the {kind.value} version: --version V")
        row = self._asset(kind.value, name, version)
        if row is None:
            raise NotFoundError(
                f"{kind.value.capitalize()} '{name}' has no version '{version}'",
                details={"name": name, "version": version},
            )
        return self._node(kind, name, version)

    def walk(self, root: str, depth: int) -> LineageGraph:
        frontier: deque[tuple[str, int]] = deque([(root, 0)])
        seen = {root}
        truncated = False
        while frontier:
            current, hops = frontier.popleft()
            if hops >= depth:
                continue
            for neighbour in self._neighbours(current):
                if neighbour in seen:
                    continue
                if len(seen) >= MAX_NODES:
                    truncated = True
                    break
                seen.add(neighbour)
                frontier.append((neighbour, hops + 1))
        nodes = [self.nodes[n] for n in sorted(seen)]
        edges = [e for e in self.edges.values() if e.source in seen and e.target in seen]
        edges.sort(key=lambda e: (e.source, e.target, e.relation))
        return LineageGraph(root=root, depth=depth, nodes=nodes, edges=edges, truncated=truncated)

    # ---- neighbours of each kind ----

    def _neighbours(self, current: str) -> list[str]:
        node = self.nodes[current]
        if node.kind == LineageKind.JOB:
            return self._job_neighbours(current, node.name)
        if node.kind in (LineageKind.DATA, LineageKind.MODEL):
            return self._asset_neighbours(current, node)
        if node.kind in _DEPLOYMENT_KINDS:
            out = []
            for use in self._served_by(node.kind, node.name):
                asset = self._node(LineageKind(use.kind), use.name, use.version)
                self._edge(asset, current, "serves")
                out.append(asset)
            return out
        return []

    def _job_neighbours(self, current: str, name: str) -> list[str]:
        run = get_run_row(self.s, self.ws_id, self.workspace, name)
        out = []
        refs = self.s.scalars(select(JobInputRefRow).where(JobInputRefRow.run_id == run.id))
        for ref in refs:
            if ref.kind == LineageKind.JOB.value:
                upstream = self._run_by_name(ref.name)
                source = self._job(upstream) if upstream else self._node(LineageKind.JOB, ref.name)
            else:
                source = self._node(LineageKind(ref.kind), ref.name, ref.version or None)
            self._edge(source, current, "input", ref.input_name)
            out.append(source)
        produced = select(AssetVersionRow).where(
            AssetVersionRow.run_id == run.id, AssetVersionRow.kind.in_(_ASSET_KINDS)
        )
        for row in self.s.scalars(produced):
            target = self._node(LineageKind(row.kind), row.name, row.version)
            self._edge(current, target, "produced")
            out.append(target)
        downstream = select(JobInputRefRow).where(
            JobInputRefRow.workspace_id == self.ws_id,
            JobInputRefRow.kind == LineageKind.JOB.value,
            JobInputRefRow.name == name,
        )
        for ref in self.s.scalars(downstream):
            consumer = self.s.get(RunRow, ref.run_id)
            if consumer is not None:
                target = self._job(consumer)
                self._edge(current, target, "input", ref.input_name)
                out.append(target)
        return out

    def _asset_neighbours(self, current: str, node: LineageNode) -> list[str]:
        out = []
        row = self._asset(node.kind.value, node.name, node.version or "")
        if row is not None and row.run_id is not None:
            producer = self.s.get(RunRow, row.run_id)
            if producer is not None:
                source = self._job(producer)
                self._edge(source, current, "produced")
                out.append(source)
        readers = select(JobInputRefRow).where(
            JobInputRefRow.workspace_id == self.ws_id,
            JobInputRefRow.kind == node.kind.value,
            JobInputRefRow.name == node.name,
            JobInputRefRow.version == (node.version or ""),
        )
        for ref in self.s.scalars(readers):
            consumer = self.s.get(RunRow, ref.run_id)
            if consumer is not None:
                target = self._job(consumer)
                self._edge(current, target, "input", ref.input_name)
                out.append(target)
        uses = select(AssetUseRow).where(
            AssetUseRow.workspace_id == self.ws_id,
            AssetUseRow.kind == node.kind.value,
            AssetUseRow.name == node.name,
            AssetUseRow.version == (node.version or ""),
            AssetUseRow.user_kind.in_([k.value for k in _DEPLOYMENT_KINDS]),
        )
        for use in self.s.scalars(uses):
            target = self._node(LineageKind(use.user_kind), use.user_name)
            self._edge(current, target, "serves")
            out.append(target)
        return out

    # ---- helpers ----

    def _served_by(self, kind: LineageKind, deployment: str) -> list[AssetUseRow]:
        """The asset versions a deployment (``endpoint/deployment``) of ``kind`` uses."""
        stmt = select(AssetUseRow).where(
            AssetUseRow.workspace_id == self.ws_id,
            AssetUseRow.user_kind == kind.value,
            AssetUseRow.user_name == deployment,
        )
        return list(self.s.scalars(stmt))

    def _asset(self, kind: str, name: str, version: str) -> AssetVersionRow | None:
        stmt = select(AssetVersionRow).where(
            AssetVersionRow.workspace_id == self.ws_id,
            AssetVersionRow.kind == kind,
            AssetVersionRow.name == name,
            AssetVersionRow.version == version,
        )
        return self.s.scalars(stmt).first()

    def _run_by_name(self, name: str) -> RunRow | None:
        try:
            return get_run_row(self.s, self.ws_id, self.workspace, name)
        except NotFoundError:
            return None

    def _job(self, run: RunRow) -> str:
        nid = node_id(LineageKind.JOB, run.name)
        self.nodes.setdefault(
            nid, LineageNode(id=nid, kind=LineageKind.JOB, name=run.name, status=run.status)
        )
        return nid

    def _node(self, kind: LineageKind, name: str, version: str | None = None) -> str:
        nid = node_id(kind, name, version)
        self.nodes.setdefault(nid, LineageNode(id=nid, kind=kind, name=name, version=version))
        return nid

    def _edge(self, source: str, target: str, relation: str, label: str | None = None) -> None:
        key = (source, target, relation, label)
        self.edges.setdefault(
            key, LineageEdge(source=source, target=target, relation=relation, label=label)
        )
