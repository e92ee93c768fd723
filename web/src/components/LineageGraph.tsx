// A lineage graph (GET /lineage/{kind}) drawn left to right the way data flows: data → job →
// model → deployment. dagre places the nodes once; React Flow draws, pans and zooms.
// Clicking a node opens its page, where the studio has one.
import {
  Background, Controls, Handle, MarkerType, Position, ReactFlow,
  type Edge, type Node, type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { useNavigate } from "react-router";
import type { Schemas } from "../api/client";
import { layoutGraph, lineageHref, lineageLabel, type LineageNode } from "../lib/assets";

/** One colour per node kind (the legend shows them). */
export const KIND_COLORS: Record<LineageNode["kind"], string> = {
  data: "#2a9d6f", job: "#3b6fd4", model: "#d9822b", deployment: "#7d5bc7",
  "batch-deployment": "#b35c9e", datastore: "#5b7083", uri: "#8a7a2b",
};

type NodeData = { node: LineageNode; href: string | null; root: boolean };
type FlowNode = Node<NodeData, "lineage">;

function LineageNodeBox({ data }: NodeProps<FlowNode>) {
  const { node, href, root } = data;
  const color = KIND_COLORS[node.kind];
  return (
    <div className={`lineage-node${root ? " root" : ""}${href ? " linked" : ""}`} style={{ borderColor: color }}
      data-testid="lineage-node" data-node-id={node.id} data-kind={node.kind}
      title={href ? `Open ${node.id}` : node.id}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="lineage-kind" style={{ color }}>
        {node.kind}{node.status ? <span className="muted"> · {node.status}</span> : null}
      </div>
      <div className="lineage-name mono">{lineageLabel(node)}</div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const NODE_TYPES = { lineage: LineageNodeBox };

export function LineageGraph({ graph, workspace, height = 440 }: {
  graph: Schemas["LineageGraph"]; workspace: string; height?: number;
}) {
  const navigate = useNavigate();
  const { nodes, edges } = useMemo(() => {
    const pos = layoutGraph(graph.nodes, graph.edges);
    const nodes: FlowNode[] = graph.nodes.map((n) => ({
      id: n.id,
      type: "lineage",
      position: pos[n.id],
      data: { node: n, href: lineageHref(workspace, n), root: n.id === graph.root },
      draggable: false,
      connectable: false,
    }));
    const edges: Edge[] = graph.edges.map((e) => ({
      id: `${e.source}->${e.target}:${e.relation}:${e.label ?? ""}`,
      source: e.source,
      target: e.target,
      // An input edge says which input it fed; the others say what happened.
      label: e.relation === "input" && e.label ? e.label : e.relation,
      markerEnd: { type: MarkerType.ArrowClosed },
      labelStyle: { fontSize: 11 },
    }));
    return { nodes, edges };
  }, [graph, workspace]);

  const kinds = [...new Set(graph.nodes.map((n) => n.kind))];
  return (
    <div>
      <div className="lineage-legend small">
        {kinds.map((k) => (
          <span key={k}><i style={{ background: KIND_COLORS[k] }} />{k}</span>
        ))}
        {graph.truncated && <span className="muted">More nodes exist beyond the 500 shown.</span>}
      </div>
      <div className="lineage-canvas" style={{ height }} data-testid="lineage-graph"
        data-nodes={graph.nodes.length} data-edges={graph.edges.length}>
        <ReactFlow nodes={nodes} edges={edges} nodeTypes={NODE_TYPES} fitView fitViewOptions={{ maxZoom: 1 }} minZoom={0.2}
          nodesDraggable={false} nodesConnectable={false} elementsSelectable={false}
          onNodeClick={(_, n) => { if (n.data.href) navigate(n.data.href); }}>
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </div>
  );
}
