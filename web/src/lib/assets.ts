// Pure helpers of the asset pages (models, data, environments, components) and the lineage
// graph: kinds and their URLs, grouping a page of versions by name, the compare table's rows,
// and the dagre layout. No React here, so Vitest covers them.
import dagre from "@dagrejs/dagre";
import type { Schemas } from "../api/client";

export const ASSET_KINDS = ["models", "data", "environments", "components"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export function isAssetKind(kind: string | undefined): kind is AssetKind {
  return (ASSET_KINDS as readonly string[]).includes(kind ?? "");
}

/** How each kind is named on the page and created from the CLI (docs/*.md). */
export const KIND_INFO: Record<AssetKind, { title: string; one: string; create: string; lineage?: string }> = {
  models: { title: "Models", one: "model", create: "basalt model create --name clf --path ./model", lineage: "model" },
  data: { title: "Data", one: "data asset", create: "basalt data create --name iris --path ./iris", lineage: "data" },
  environments: {
    title: "Environments", one: "environment",
    create: "basalt environment create --name sklearn --image python:3.11-slim",
  },
  components: { title: "Components", one: "component", create: "basalt component create -f component.yml" },
};

/** The fields every versioned asset has (Model, Data, Environment, Component). */
export type AssetVersion = {
  name: string;
  version: string;
  description: string;
  labels?: string[];
  tags?: Record<string, string>;
  archived: boolean;
  created_at: string;
  created_by?: string | null;
};

export type NameGroup<T extends AssetVersion> = { name: string; latest: T; count: number };

/** A page of versions (ordered by name, newest first, as the server lists them) as one row per
 *  name: its newest version on the page and how many versions the page holds. */
export function groupByName<T extends AssetVersion>(items: T[]): NameGroup<T>[] {
  const groups: NameGroup<T>[] = [];
  for (const item of items) {
    const last = groups[groups.length - 1];
    if (last && last.name === item.name) last.count += 1;
    else groups.push({ name: item.name, latest: item, count: 1 });
  }
  return groups;
}

/** "k=v, k2=v2" → {k: "v", k2: "v2"}; parts without "=" are ignored. */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const at = part.indexOf("=");
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

const enc = encodeURIComponent;

export function assetHref(workspace: string, kind: string, name: string, version?: string | null): string {
  const base = `/workspaces/${enc(workspace)}/${kind}/${enc(name)}`;
  return version ? `${base}/versions/${enc(version)}` : base;
}

// ---- lineage ----

export type LineageNode = Schemas["LineageNode"];
export type LineageEdge = Schemas["LineageEdge"];

/** The studio page of a lineage node, or null (datastore paths, URIs). */
export function lineageHref(workspace: string, node: LineageNode): string | null {
  const ws = `/workspaces/${enc(workspace)}`;
  // Deployments are named "endpoint/deployment": their page is the endpoint's.
  const endpoint = node.name.split("/")[0];
  switch (node.kind) {
    case "job": return `${ws}/jobs/${enc(node.name)}`;
    case "model": return assetHref(workspace, "models", node.name, node.version);
    case "data": return assetHref(workspace, "data", node.name, node.version);
    case "deployment": return `${ws}/endpoints/${enc(endpoint)}`;
    case "batch-deployment": return `${ws}/batch-endpoints/${enc(endpoint)}`;
    default: return null;
  }
}

export function lineageLabel(node: LineageNode): string {
  return node.version ? `${node.name}:${node.version}` : node.name;
}

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 58;

/** Left-to-right positions (top-left corners) of the nodes, edges pointing the way data flows. */
export function layoutGraph(
  nodes: { id: string }[], edges: { source: string; target: string }[],
): Record<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 130, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const out: Record<string, { x: number; y: number }> = {};
  for (const n of nodes) {
    const p = g.node(n.id);
    out[n.id] = { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 };
  }
  return out;
}

// ---- model comparison ----

export type CompareRow = { key: string; label: string; values: string[]; differs: boolean };

/** The rows of a ModelComparison, keyed as the server's `differing` names them
 *  ('size', 'flavor', 'job_name', 'metrics.<k>', 'params.<k>', 'inputs.<k>'). */
export function comparisonRows(
  cmp: Schemas["ModelComparison"], fmt: { size: (n: number) => string; metric: (n: number) => string },
): CompareRow[] {
  const vs = cmp.versions;
  const differing = new Set(cmp.differing ?? []);
  const row = (key: string, label: string, values: string[]): CompareRow =>
    ({ key, label, values, differs: differing.has(key) });
  const rows = [
    row("created_at", "created", vs.map((v) => v.created_at)),
    row("created_by", "created by", vs.map((v) => v.created_by ?? "—")),
    row("labels", "labels", vs.map((v) => (v.labels ?? []).join(", ") || "—")),
    row("size", "size", vs.map((v) => fmt.size(v.size))),
    row("flavor", "flavor", vs.map((v) => v.flavor)),
    row("job_name", "job", vs.map((v) => v.job_name ?? "—")),
  ];
  const maps = [
    ["metrics", (v: Schemas["ModelVersionSummary"]) => v.metrics ?? {}],
    ["params", (v: Schemas["ModelVersionSummary"]) => v.params ?? {}],
    ["inputs", (v: Schemas["ModelVersionSummary"]) => v.inputs ?? {}],
  ] as const;
  for (const [field, get] of maps) {
    const keys = [...new Set(vs.flatMap((v) => Object.keys(get(v))))].sort();
    for (const k of keys) {
      rows.push(row(`${field}.${k}`, `${field}.${k}`, vs.map((v) => {
        const value: string | number | undefined = get(v)[k];
        if (value === undefined) return "—";
        return typeof value === "number" ? fmt.metric(value) : value;
      })));
    }
  }
  return rows;
}

/** A path or URI as shown: any user:password@ part of a URL is hidden (never show credentials). */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, "$1***@");
}
