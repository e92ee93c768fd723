import { describe, expect, it } from "vitest";
import {
  assetHref, comparisonRows, groupByName, isAssetKind, layoutGraph, lineageHref, lineageLabel, parseTags, redactUri,
  type AssetVersion, type LineageNode,
} from "./assets";

const version = (name: string, v: string): AssetVersion => ({
  name, version: v, description: "", archived: false, created_at: "2025-01-01T00:00:00Z",
});

describe("kinds and links", () => {
  it("knows the four asset kinds only", () => {
    expect(isAssetKind("models")).toBe(true);
    expect(isAssetKind("components")).toBe(true);
    expect(isAssetKind("jobs")).toBe(false);
    expect(isAssetKind(undefined)).toBe(false);
  });

  it("quotes names in asset links", () => {
    expect(assetHref("ws 1", "data", "a/b", "2")).toBe("/workspaces/ws%201/data/a%2Fb/versions/2");
    expect(assetHref("w", "models", "m")).toBe("/workspaces/w/models/m");
  });

  it("links lineage nodes to their pages", () => {
    const node = (kind: LineageNode["kind"], name: string, version: string | null = null): LineageNode =>
      ({ id: `${kind}:${name}`, kind, name, version });
    expect(lineageHref("w", node("job", "keen_owl"))).toBe("/workspaces/w/jobs/keen_owl");
    expect(lineageHref("w", node("model", "fit", "3"))).toBe("/workspaces/w/models/fit/versions/3");
    expect(lineageHref("w", node("data", "rows", "1"))).toBe("/workspaces/w/data/rows/versions/1");
    expect(lineageHref("w", node("deployment", "ep/blue"))).toBe("/workspaces/w/endpoints/ep");
    expect(lineageHref("w", node("batch-deployment", "bep/d1"))).toBe("/workspaces/w/batch-endpoints/bep");
    expect(lineageHref("w", node("datastore", "s3/raw"))).toBeNull();
    expect(lineageLabel(node("model", "fit", "3"))).toBe("fit:3");
  });
});

describe("groupByName", () => {
  it("keeps the newest version of each name and counts the rest", () => {
    const groups = groupByName([version("a", "3"), version("a", "2"), version("b", "1"), version("a", "1")]);
    expect(groups.map((g) => [g.name, g.latest.version, g.count])).toEqual([["a", "3", 2], ["b", "1", 1], ["a", "1", 1]]);
  });
});

describe("parseTags", () => {
  it("reads k=v pairs and skips the rest", () => {
    expect(parseTags(" team = ml, stage=dev=x, junk ,")).toEqual({ team: "ml", stage: "dev=x" });
    expect(parseTags("")).toEqual({});
  });
});

describe("layoutGraph", () => {
  it("gives distinct positions, left to right along the edges", () => {
    const nodes = [{ id: "model:m:1" }, { id: "data:d:1" }, { id: "job:j" }, { id: "data:e:1" }];
    const edges = [
      { source: "data:d:1", target: "job:j" },
      { source: "data:e:1", target: "job:j" },
      { source: "job:j", target: "model:m:1" },
      { source: "job:j", target: "missing" },
    ];
    const pos = layoutGraph(nodes, edges);
    const seen = new Set(Object.values(pos).map((p) => `${p.x},${p.y}`));
    expect(seen.size).toBe(4);
    expect(pos["data:d:1"].x).toBeLessThan(pos["job:j"].x);
    expect(pos["data:e:1"].x).toBeLessThan(pos["job:j"].x);
    expect(pos["job:j"].x).toBeLessThan(pos["model:m:1"].x);
  });

  it("lays out a lone node", () => {
    const pos = layoutGraph([{ id: "job:j" }], []);
    expect(Number.isFinite(pos["job:j"].x)).toBe(true);
  });
});

describe("comparisonRows", () => {
  it("keys rows as the server's differing list does", () => {
    const rows = comparisonRows({
      name: "fit",
      differing: ["size", "metrics.acc", "params.lr"],
      versions: [
        { version: "1", created_at: "t1", flavor: "custom", size: 10, metrics: { acc: 0.5 }, params: { lr: "0.1" }, inputs: { d: "data:rows:1" } },
        { version: "2", created_at: "t2", flavor: "custom", size: 20, metrics: { acc: 0.75 }, params: { lr: "0.2" }, inputs: { d: "data:rows:1" } },
      ],
    }, { size: (n) => `${n} B`, metric: (n) => String(n) });
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey["size"]).toMatchObject({ values: ["10 B", "20 B"], differs: true });
    expect(byKey["flavor"].differs).toBe(false);
    expect(byKey["metrics.acc"]).toMatchObject({ values: ["0.5", "0.75"], differs: true });
    expect(byKey["params.lr"].differs).toBe(true);
    expect(byKey["inputs.d"]).toMatchObject({ values: ["data:rows:1", "data:rows:1"], differs: false });
  });
});

describe("redactUri", () => {
  it("hides credentials in URLs and leaves paths alone", () => {
    expect(redactUri("https://bob:secret@host/x")).toBe("https://***@host/x");
    expect(redactUri("/tmp/model")).toBe("/tmp/model");
    expect(redactUri("azureml://datastores/ds/paths/a@b")).toBe("azureml://datastores/ds/paths/a@b");
  });
});
