import { describe, expect, it } from "vitest";
import {
  buildFilter, buildOrder, containsPattern, fieldOf, nextSort, paramsFromQuery, queryFromParams, quote,
} from "./filter";

const none = { text: "", statuses: [], experiment: "", advanced: "" };

describe("buildFilter", () => {
  it("is empty when nothing is chosen", () => {
    expect(buildFilter(none)).toBe("");
  });

  it("searches names and display names, escaping like wildcards and quotes", () => {
    expect(buildFilter({ ...none, text: " 50%_o'k " })).toBe(
      "(name ilike '%50\\%\\_o''k%' or display_name ilike '%50\\%\\_o''k%')",
    );
  });

  it("uses = for one status and in (...) for several", () => {
    expect(buildFilter({ ...none, statuses: ["Failed"] })).toBe("status = 'Failed'");
    expect(buildFilter({ ...none, statuses: ["Failed", "Canceled"] })).toBe("status in ('Failed', 'Canceled')");
  });

  it("sends the advanced text as typed when it is the only part", () => {
    expect(buildFilter({ ...none, advanced: " metrics.acc > " })).toBe("metrics.acc >");
  });

  it("ands every part and keeps the advanced text in parentheses", () => {
    expect(buildFilter({ text: "", statuses: ["Completed"], experiment: "exp a", advanced: "metrics.acc > 0.9 or params.lr = '1'" }))
      .toBe("status = 'Completed' and experiment_name = 'exp a' and (metrics.acc > 0.9 or params.lr = '1')");
  });
});

describe("fields and order", () => {
  it("quotes keys the language cannot read bare", () => {
    expect(fieldOf("metrics", "train/loss")).toBe("metrics.train/loss");
    expect(fieldOf("metrics", "val loss")).toBe("metrics.`val loss`");
    expect(fieldOf("params", "a`b c")).toBe("params.`a``b c`");
  });

  it("orders by attributes and by quoted metric keys", () => {
    expect(buildOrder({ field: "created_at", dir: "DESC" })).toEqual(["created_at DESC"]);
    expect(buildOrder({ field: "metrics.val loss", dir: "ASC" })).toEqual(["metrics.`val loss` ASC"]);
  });

  it("flips the direction of the same column and starts a new one descending", () => {
    expect(nextSort({ field: "name", dir: "DESC" }, "name")).toEqual({ field: "name", dir: "ASC" });
    expect(nextSort({ field: "name", dir: "ASC" }, "status")).toEqual({ field: "status", dir: "DESC" });
  });

  it("quotes strings by doubling quotes and builds contains patterns", () => {
    expect(quote("it's")).toBe("'it''s'");
    expect(containsPattern("a\\b")).toBe("'%a\\\\b%'");
  });
});

describe("URL round trip", () => {
  it("keeps every choice, and drops unknown statuses and columns", () => {
    const q = {
      text: "resnet", statuses: ["Running", "Failed"], experiment: "e1", advanced: "metrics.acc > 0.5",
      sort: { field: "metrics.acc", dir: "ASC" as const }, columns: ["params.lr", "metrics.acc"],
    };
    expect(queryFromParams(paramsFromQuery(q))).toEqual(q);
    const odd = queryFromParams(new URLSearchParams("status=Running,Bogus&cols=params.lr,nope"));
    expect(odd.statuses).toEqual(["Running"]);
    expect(odd.columns).toEqual(["params.lr"]);
    expect(odd.sort).toEqual({ field: "created_at", dir: "DESC" });
  });
});
