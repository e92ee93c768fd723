import { describe, expect, it } from "vitest";
import { folderEntries, looksLikeText, parentDir, parseCsv, pathCrumbs, previewKind } from "./files";

const files = [
  { path: "model/model.bin", size: 3000 },
  { path: "model/sub/notes.txt", size: 12 },
  { path: "model/sub/more.txt", size: 8 },
  { path: "user_logs/std_log.txt", size: 1429 },
  { path: "README", size: 5 },
];

describe("folderEntries", () => {
  it("lists the root: folders first with their totals", () => {
    expect(folderEntries(files, "")).toEqual([
      { name: "model", path: "model", isDir: true, size: 3020, files: 3 },
      { name: "user_logs", path: "user_logs", isDir: true, size: 1429, files: 1 },
      { name: "README", path: "README", isDir: false, size: 5, files: 1 },
    ]);
  });
  it("lists a sub-folder", () => {
    expect(folderEntries(files, "model/").map((e) => [e.name, e.path, e.isDir, e.size])).toEqual([
      ["sub", "model/sub", true, 20],
      ["model.bin", "model/model.bin", false, 3000],
    ]);
    expect(folderEntries(files, "nothing")).toEqual([]);
  });
});

describe("paths", () => {
  it("splits crumbs and parents", () => {
    expect(pathCrumbs("a/b/c")).toEqual([["a", "a"], ["b", "a/b"], ["c", "a/b/c"]]);
    expect(parentDir("a/b/c.txt")).toBe("a/b");
    expect(parentDir("c.txt")).toBe("");
  });
  it("picks a preview by extension", () => {
    expect(previewKind("x/plot.PNG")).toBe("image");
    expect(previewKind("preds.csv")).toBe("csv");
    expect(previewKind("s.json")).toBe("json");
    expect(previewKind("train.py")).toBe("text");
    expect(previewKind("model.bin")).toBe("sniff");
    expect(looksLikeText(new Uint8Array([104, 105]))).toBe(true);
    expect(looksLikeText(new Uint8Array([104, 0]))).toBe(false);
  });
});

describe("parseCsv", () => {
  it("reads quoted cells and stops at maxRows", () => {
    const text = 'id,name\r\n1,"a, b"\n2,"say ""hi"""\n3,c\n';
    expect(parseCsv(text, 3)).toEqual([["id", "name"], ["1", "a, b"], ["2", 'say "hi"']]);
    expect(parseCsv(text, 10)).toHaveLength(4);
  });
  it("keeps a last line without newline unless the read was cut", () => {
    expect(parseCsv("a,b\n1,2", 10)).toEqual([["a", "b"], ["1", "2"]]);
    expect(parseCsv("a,b\n1,2", 10, ",", true)).toEqual([["a", "b"]]);
    expect(parseCsv("a\tb\n", 10, "\t")).toEqual([["a", "b"]]);
  });
});
