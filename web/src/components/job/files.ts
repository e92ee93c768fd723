// Pure logic of the outputs browser: the API lists every file under a run (flat, full paths),
// so folders are derived here; what kind of preview a file gets; a small CSV reader.

export type FileItem = { path: string; size?: number | null; is_dir?: boolean };
export type Entry = { name: string; path: string; isDir: boolean; size: number; files: number };
export type PreviewKind = "image" | "csv" | "json" | "text" | "sniff";

/** Immediate children of folder `dir` ("" is the root): folders first, with total sizes. */
export function folderEntries(files: FileItem[], dir: string): Entry[] {
  const prefix = dir ? dir.replace(/\/+$/, "") + "/" : "";
  const byName = new Map<string, Entry>();
  for (const f of files) {
    if (!f.path.startsWith(prefix) || f.path === prefix) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    const isDir = slash >= 0 || Boolean(f.is_dir);
    const name = slash >= 0 ? rest.slice(0, slash) : rest;
    const entry = byName.get(name) ?? { name, path: prefix + name, isDir, size: 0, files: 0 };
    if (!f.is_dir) {
      entry.size += f.size ?? 0;
      entry.files += 1;
    }
    byName.set(name, entry);
  }
  return [...byName.values()].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
}

/** The folders above a path, for a breadcrumb: "a/b/c" → [["a","a"],["b","a/b"],["c","a/b/c"]]. */
export function pathCrumbs(path: string): [string, string][] {
  const parts = path.split("/").filter(Boolean);
  return parts.map((p, i) => [p, parts.slice(0, i + 1).join("/")]);
}

/** The folder a file is in ("" at the root). */
export function parentDir(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "bmp"]);
const TEXT = new Set([
  "txt", "log", "py", "yaml", "yml", "md", "toml", "ini", "cfg", "sh", "out", "err", "js", "ts",
  "html", "xml", "r", "sql", "ipynb", "jsonl", "env", "conf", "rst",
]);

export function previewKind(path: string): PreviewKind {
  const ext = path.includes(".") ? path.slice(path.lastIndexOf(".") + 1).toLowerCase() : "";
  if (IMAGE.has(ext)) return "image";
  if (ext === "csv" || ext === "tsv") return "csv";
  if (ext === "json") return "json";
  if (TEXT.has(ext)) return "text";
  return "sniff"; // look at the bytes: text without NULs is shown, anything else downloaded
}

export function imageMime(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "svg") return "image/svg+xml";
  if (ext === "jpg") return "image/jpeg";
  return `image/${ext}`;
}

/** Whether bytes look like text: no NUL in them (what git and file(1) use too). */
export function looksLikeText(bytes: Uint8Array): boolean {
  return !bytes.includes(0);
}

/**
 * The first `maxRows` rows of CSV text (RFC 4180 quoting; `sep` "," or a tab). A last line cut
 * off by a truncated read is dropped when more text may follow.
 */
export function parseCsv(text: string, maxRows: number, sep = ",", truncated = false): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(cell);
    rows.push(row);
    row = [];
    cell = "";
  };
  while (i < text.length && rows.length < maxRows) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === sep) { row.push(cell); cell = ""; }
    else if (c === "\n") endRow();
    else if (c !== "\r") cell += c;
    i += 1;
  }
  if (rows.length < maxRows && !truncated && (cell !== "" || row.length > 0)) endRow();
  return rows;
}
