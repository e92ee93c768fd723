// Builds the jobs list's query in the server's filter language (docs/filters.md) from what
// the user chose on the page, and keeps that choice in the URL so a pasted link shows the
// same list.

export const STATUSES = [
  "NotStarted", "Queued", "Preparing", "Running", "Finalizing", "Completed", "Failed", "Canceled",
] as const;

export type SortDir = "ASC" | "DESC";
export type Sort = { field: string; dir: SortDir };

export type JobQuery = {
  /** Part of a name or display name (case-insensitive). */
  text: string;
  statuses: string[];
  experiment: string;
  /** Free text in the filter language, and-ed with the rest. */
  advanced: string;
  sort: Sort;
  /** Extra columns: `params.KEY` or `metrics.KEY`. */
  columns: string[];
};

export const DEFAULT_SORT: Sort = { field: "created_at", dir: "DESC" };

/** A string literal of the filter language: single quotes, a quote inside doubled. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A `like` pattern matching `text` literally anywhere (`%`, `_`, `\` escaped). */
export function containsPattern(text: string): string {
  return quote(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

const PLAIN_KEY = /^[A-Za-z0-9_./-]+$/;

/** `metrics.KEY` / `params.KEY` with the key quoted in backticks when it needs it. */
export function fieldOf(prefix: "metrics" | "params" | "tags", key: string): string {
  return PLAIN_KEY.test(key) ? `${prefix}.${key}` : `${prefix}.\`${key.replaceAll("`", "``")}\``;
}

/** The column id a field is shown and sorted by: `metrics.acc` → ["metrics", "acc"]. */
export function splitColumn(column: string): ["metrics" | "params", string] | null {
  const m = /^(metrics|params)\.(.+)$/.exec(column);
  return m ? [m[1] as "metrics" | "params", m[2]] : null;
}

export function buildFilter(q: Pick<JobQuery, "text" | "statuses" | "experiment" | "advanced">): string {
  const parts: string[] = [];
  const text = q.text.trim();
  if (text) {
    const pattern = containsPattern(text);
    parts.push(`(name ilike ${pattern} or display_name ilike ${pattern})`);
  }
  if (q.statuses.length === 1) parts.push(`status = ${quote(q.statuses[0])}`);
  else if (q.statuses.length > 1) parts.push(`status in (${q.statuses.map(quote).join(", ")})`);
  if (q.experiment) parts.push(`experiment_name = ${quote(q.experiment)}`);
  const advanced = q.advanced.trim();
  // Alone, the user's text goes as typed, so the server's error positions match what they see.
  if (advanced && parts.length === 0) return advanced;
  if (advanced) parts.push(`(${advanced})`);
  return parts.join(" and ");
}

export function buildOrder(sort: Sort): string[] {
  const column = splitColumn(sort.field);
  const field = column ? fieldOf(column[0], column[1]) : sort.field;
  return [`${field} ${sort.dir}`];
}

/** Clicking a column header: a new column sorts descending first, the same one flips. */
export function nextSort(current: Sort, field: string): Sort {
  if (current.field !== field) return { field, dir: "DESC" };
  return { field, dir: current.dir === "DESC" ? "ASC" : "DESC" };
}

export function queryFromParams(params: URLSearchParams): JobQuery {
  const [field, dir] = (params.get("sort") ?? "").split(":");
  return {
    text: params.get("q") ?? "",
    statuses: (params.get("status") ?? "").split(",").filter((s) => (STATUSES as readonly string[]).includes(s)),
    experiment: params.get("experiment") ?? "",
    advanced: params.get("filter") ?? "",
    sort: field ? { field, dir: dir === "ASC" ? "ASC" : "DESC" } : DEFAULT_SORT,
    columns: (params.get("cols") ?? "").split(",").filter((c) => splitColumn(c) !== null),
  };
}

export function paramsFromQuery(q: JobQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.text) p.set("q", q.text);
  if (q.statuses.length) p.set("status", q.statuses.join(","));
  if (q.experiment) p.set("experiment", q.experiment);
  if (q.advanced) p.set("filter", q.advanced);
  if (q.sort.field !== DEFAULT_SORT.field || q.sort.dir !== DEFAULT_SORT.dir) p.set("sort", `${q.sort.field}:${q.sort.dir}`);
  if (q.columns.length) p.set("cols", q.columns.join(","));
  return p;
}
