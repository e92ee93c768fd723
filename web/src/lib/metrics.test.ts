import { describe, expect, it } from "vitest";
import {
  asNumber, axisScale, axisValue, differs, ema, metricLines, nameFilter, parallelAxes, parseRunList, toXY,
  unionKeys, type RunValues,
} from "./metrics";

describe("ema", () => {
  it("starts at the first value and averages with the weight", () => {
    const out = ema([10, 20, 20], 0.5);
    expect(out).toEqual([10, 15, 17.5]);
  });
  it("is the identity at weight 0 and flat near 1", () => {
    expect(ema([1, 5, 3], 0)).toEqual([1, 5, 3]);
    const flat = ema([1, 100], 0.99);
    expect(flat[1]).toBeCloseTo(1.99, 10);
  });
  it("keeps null and NaN as gaps without resetting the average", () => {
    expect(ema([null, 4, NaN, 8, null], 0.5)).toEqual([null, 4, null, 6, null]);
  });
  it("clamps the weight", () => {
    expect(ema([2, 4], -1)).toEqual([2, 4]);
    expect(ema([2, 4], 5)[1]).toBeCloseTo(2.002, 10);
  });
});

describe("toXY", () => {
  const p = { steps: [2, 0, 1], timestamps: [3000, 1000, 2000], values: [0.5, -1, NaN] };
  it("sorts by step and turns NaN into gaps", () => {
    expect(toXY(p, "step")).toEqual({ x: [0, 1, 2], y: [-1, null, 0.5] });
  });
  it("uses Unix seconds on a time axis", () => {
    expect(toXY(p, "time").x).toEqual([1, 2, 3]);
  });
  it("drops values a log scale cannot show", () => {
    expect(toXY(p, "step", true).y).toEqual([null, null, 0.5]);
  });
});

describe("differs", () => {
  it("finds rows whose values are not all equal", () => {
    expect(differs(["0.1", "0.1", "0.1"])).toBe(false);
    expect(differs(["0.1", "0.01"])).toBe(true);
    expect(differs([0.5, 0.5])).toBe(false);
    expect(differs([NaN, NaN])).toBe(false);
  });
  it("counts a missing value as different, and one run as never different", () => {
    expect(differs(["a", undefined])).toBe(true);
    expect(differs([undefined, null])).toBe(false);
    expect(differs(["a"])).toBe(false);
  });
  it("does not mix a number with its string", () => {
    expect(differs([1, "1"])).toBe(true);
  });
});

describe("asNumber and unionKeys", () => {
  it("reads numeric params only", () => {
    expect(asNumber("0.01")).toBe(0.01);
    expect(asNumber(" 32 ")).toBe(32);
    expect(asNumber("1e-3")).toBe(0.001);
    expect(asNumber("rbf")).toBeNull();
    expect(asNumber("")).toBeNull();
    expect(asNumber(undefined)).toBeNull();
    expect(asNumber(Infinity)).toBeNull();
  });
  it("unites and sorts keys", () => {
    expect(unionKeys([{ b: 1, a: 2 }, undefined, { c: 3, a: 1 }])).toEqual(["a", "b", "c"]);
  });
});

describe("axisScale", () => {
  it("maps the range to 0..1", () => {
    const a = axisScale("metrics.loss", "loss", [2, null, 4, 3])!;
    expect([a.min, a.max]).toEqual([2, 4]);
    expect(a.pos(2)).toBe(0);
    expect(a.pos(3)).toBe(0.5);
    expect(a.pos(4)).toBe(1);
  });
  it("centres a constant axis and has none without values", () => {
    expect(axisScale("k", "k", [7, 7])!.pos(7)).toBe(0.5);
    expect(axisScale("k", "k", [null, NaN])).toBeNull();
  });
});

describe("parallelAxes", () => {
  const runs: RunValues[] = [
    { name: "a", params: { lr: "0.1", kernel: "rbf", batch: "16" }, metrics: { loss: 0.5, acc: 0.9 } },
    { name: "b", params: { lr: "0.3", kernel: "linear", batch: "32" }, metrics: { loss: 0.25 } },
    { name: "c", params: { lr: "0.2", seed: "1" }, metrics: { loss: 1, cpu: 0 } },
    { name: "d", params: { seed: "1" }, metrics: { cpu: 0 } },
  ];
  it("keeps numeric params and metrics with two differing values or more", () => {
    const axes = parallelAxes(runs);
    expect(axes.map((a) => a.key)).toEqual(["params.batch", "params.lr", "metrics.loss"]);
    const lr = axes[1];
    expect([lr.min, lr.max]).toEqual([0.1, 0.3]);
    expect(lr.pos(0.2)).toBeCloseTo(0.5, 10);
  });
  it("reads a run's value on an axis", () => {
    expect(axisValue(runs[1], "params.lr")).toBe(0.3);
    expect(axisValue(runs[1], "metrics.loss")).toBe(0.25);
    expect(axisValue(runs[2], "params.batch")).toBeNull();
  });
});

describe("run lists", () => {
  it("parses ?runs= without blanks or repeats", () => {
    expect(parseRunList(" a, b,,a ,c")).toEqual(["a", "b", "c"]);
    expect(parseRunList(null)).toEqual([]);
  });
  it("builds a name filter with quotes doubled", () => {
    expect(nameFilter(["a", "it's"])).toBe("name in ('a', 'it''s')");
  });
});

describe("metricLines", () => {
  const p = { steps: [0, 1], timestamps: [0, 1000], values: [4, 8] };
  it("is one line without smoothing", () => {
    expect(metricLines("loss", p, "step", 0, false)).toEqual([{ label: "loss", x: [0, 1], y: [4, 8] }]);
  });
  it("adds the smoothed line", () => {
    const lines = metricLines("loss", p, "time", 0.5, false);
    expect(lines.map((l) => l.label)).toEqual(["loss", "loss (smoothed)"]);
    expect(lines[1]).toEqual({ label: "loss (smoothed)", x: [0, 1], y: [4, 6] });
  });
});
