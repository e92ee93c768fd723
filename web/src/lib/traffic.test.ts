import { describe, expect, it } from "vitest";
import {
  checkTraffic, compactJson, draftOf, invokeRequest, parseModelRef, parsePercent, perMinute, prettyBody,
  sampleRequest, trafficSummary, trafficUpdate,
} from "./traffic";

describe("trafficSummary", () => {
  it("lists live deployments largest first, without zeros", () => {
    expect(trafficSummary({ green: 10, blue: 90, red: 0 })).toBe("blue 90% · green 10%");
    expect(trafficSummary({ b: 50, a: 50 })).toBe("a 50% · b 50%");
  });
  it("says when nothing takes traffic", () => {
    expect(trafficSummary({})).toBe("no live traffic");
    expect(trafficSummary(undefined, "—")).toBe("—");
  });
});

describe("parsePercent and draftOf", () => {
  it("reads whole percents only", () => {
    expect(parsePercent("40")).toBe(40);
    expect(parsePercent(" 100 ")).toBe(100);
    expect(parsePercent("")).toBe(0);
    expect(parsePercent("101")).toBeNull();
    expect(parsePercent("12.5")).toBeNull();
    expect(parsePercent("-1")).toBeNull();
    expect(parsePercent("abc")).toBeNull();
  });
  it("fills deployments the split does not name with 0", () => {
    expect(draftOf({ blue: 90 }, ["blue", "green"])).toEqual({ blue: "90", green: "0" });
  });
});

describe("checkTraffic", () => {
  const current = { traffic: { blue: 90, green: 10 }, mirror: {} };
  const deps = ["blue", "green"];

  it("accepts a split adding up to 100 and names what changed", () => {
    const c = checkTraffic(deps, { blue: "50", green: "50" }, { blue: "0", green: "0" }, current);
    expect(c.problems).toEqual([]);
    expect(c.liveSum).toBe(100);
    expect(c.changed).toEqual(["blue", "green"]);
    expect(c.mirrorChanged).toBe(false);
    expect(trafficUpdate(c)).toEqual({ traffic: { blue: 50, green: 50 } });
  });

  it("accepts all zero", () => {
    const c = checkTraffic(deps, { blue: "0", green: "" }, {}, current);
    expect(c.problems).toEqual([]);
    expect(c.liveSum).toBe(0);
  });

  it("refuses a sum other than 100 or 0", () => {
    const c = checkTraffic(deps, { blue: "90", green: "20" }, {}, current);
    expect(c.liveSum).toBe(110);
    expect(c.problems).toEqual(["Live traffic adds up to 110%; it must add up to 100% (or all be 0)."]);
    expect(c.changed).toEqual(["green"]);
  });

  it("refuses values that are not whole percents", () => {
    const c = checkTraffic(deps, { blue: "x", green: "100" }, { blue: "0", green: "0" }, current);
    expect(c.problems[0]).toBe('Traffic of blue: "x" is not a whole percent from 0 to 100.');
  });

  it("sends the mirror only when it changed, zeros left out", () => {
    const c = checkTraffic(deps, { blue: "100", green: "0" }, { blue: "0", green: "20" }, current);
    expect(c.changed).toEqual(["blue", "green"]);
    expect(trafficUpdate(c)).toEqual({ traffic: { blue: 100, green: 0 }, mirror_traffic: { green: 20 } });
    const off = checkTraffic(deps, { blue: "90", green: "10" }, { blue: "0", green: "0" },
      { traffic: current.traffic, mirror: { green: 20 } });
    expect(off.changed).toEqual(["green"]);
    expect(trafficUpdate(off)).toEqual({ traffic: { blue: 90, green: 10 }, mirror_traffic: {} });
  });

  it("finds nothing changed when the draft is the endpoint's split", () => {
    const c = checkTraffic(deps, draftOf(current.traffic, deps), draftOf({}, deps), current);
    expect(c.changed).toEqual([]);
  });
});

describe("parseModelRef", () => {
  it("splits name and version", () => {
    expect(parseModelRef("demo-linear:3")).toEqual({ name: "demo-linear", version: "3" });
    expect(parseModelRef("azureml:my:model:12")).toEqual({ name: "my:model", version: "12" });
    expect(parseModelRef("nover")).toBeNull();
    expect(parseModelRef(null)).toBeNull();
  });
});

describe("sampleRequest", () => {
  it("wraps a split-oriented input example as input_data", () => {
    const ex = { columns: ["a", "b"], data: [[1, 2]] };
    expect(sampleRequest({ input_example: ex, signature: null })).toEqual({ input_data: ex });
  });
  it("keeps an example already in a request shape", () => {
    const ex = { dataframe_split: { columns: ["a"], data: [[1]] } };
    expect(sampleRequest({ input_example: ex })).toBe(ex);
    expect(sampleRequest({ input_example: [{ a: 1 }] })).toEqual({ dataframe_records: [{ a: 1 }] });
    expect(sampleRequest({ input_example: [[1, 2]] })).toEqual({ inputs: [[1, 2]] });
  });
  it("builds a row from column signatures", () => {
    const signature = { inputs: [{ name: "age", type: "long" }, { name: "city", type: "string" }, { name: "bmi", type: "double" }] };
    expect(sampleRequest({ signature })).toEqual({ input_data: { columns: ["age", "city", "bmi"], data: [[0, "text", 0]] } });
  });
  it("builds a tensor from a tensor signature", () => {
    const signature = { inputs: [{ type: "tensor", "tensor-spec": { dtype: "float64", shape: [-1, 3] } }] };
    expect(sampleRequest({ signature })).toEqual({ inputs: [[0, 0, 0]] });
  });
  it("falls back to Azure's shapes", () => {
    expect(sampleRequest(null)).toEqual({ input_data: { columns: ["feature_1", "feature_2"], data: [[1, 2]] } });
    expect(sampleRequest({ signature: null, input_example: null }, true)).toEqual({ data: [[1, 2, 3, 4]] });
  });
});

describe("invokeRequest and prettyBody", () => {
  it("sends parsed JSON, compacted, to the chosen deployment", () => {
    expect(invokeRequest('{ "data": [2, 3] }', "green")).toEqual({ request: { body: '{"data":[2,3]}', deployment_name: "green" } });
    expect(invokeRequest("[1]", null)).toEqual({ request: { body: "[1]" } });
  });
  it("refuses text that is not JSON", () => {
    const r = invokeRequest("{data: 1}", null);
    expect("error" in r && r.error.startsWith("The request is not valid JSON: ")).toBe(true);
    expect(invokeRequest("  ", null)).toEqual({ error: "The request is empty: write a JSON body to send." });
  });
  it("pretty-prints JSON answers and leaves others as they are", () => {
    expect(prettyBody("[7,10]")).toBe("[7, 10]");
    expect(prettyBody('{"a":[[1,2],[3,"x, [y]"]],"b":{"c":[]}}')).toBe(
      // A string holding brackets keeps its array expanded: its text is never touched.
      '{\n  "a": [\n    [1, 2],\n    [\n      3,\n      "x, [y]"\n    ]\n  ],\n  "b": {\n    "c": []\n  }\n}');
    expect(prettyBody("Internal error")).toBe("Internal error");
  });
});

describe("compactJson", () => {
  it("keeps rows on one line", () => {
    expect(compactJson({ input_data: { columns: ["a", "b"], data: [[1, 2]] } })).toBe(
      '{\n  "input_data": {\n    "columns": ["a", "b"],\n    "data": [\n      [1, 2]\n    ]\n  }\n}');
  });
});

describe("perMinute", () => {
  it("fills minutes without requests with 0 and no latency", () => {
    const points = [
      { minute: "2026-01-01T10:01:00Z", requests: 5, errors: 1, latency_ms_p50: 3, latency_ms_p99: 9, collected: 0, collection_dropped: 0, worker_restarts: 0 },
    ];
    const s = perMinute(points, "2026-01-01T10:00:30Z", "2026-01-01T10:03:00Z");
    const t0 = Date.parse("2026-01-01T10:00:00Z") / 1000;
    expect(s.x).toEqual([t0, t0 + 60, t0 + 120]);
    expect(s.requests).toEqual([0, 5, 0]);
    expect(s.errors).toEqual([0, 1, 0]);
    expect(s.p50).toEqual([null, 3, null]);
    expect(s.p99).toEqual([null, 9, null]);
  });
});
