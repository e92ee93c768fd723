// Pure logic behind the job and compare pages: smoothing, x axes, differing values, and the
// scales of the parallel-coordinates plot. Kept here so it is tested without a browser.

export type XAxis = "step" | "time";

/** The points of a metric as the API returns them (MetricSeries, trimmed to what is needed). */
export type Points = { steps: number[]; timestamps: number[]; values: (number | null)[] };

/**
 * Exponential moving average, as TensorBoard's smoothing slider: s = w*s + (1-w)*v.
 * The first finite value starts the average (no bias towards 0); a null or NaN point stays a
 * gap and leaves the average as it was; w is clamped to [0, 0.999].
 */
export function ema(values: ArrayLike<number | null>, weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out: (number | null)[] = new Array(values.length);
  let s: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    s = s == null ? v : w * s + (1 - w) * v;
    out[i] = s;
  }
  return out;
}

/**
 * x and y of a metric for a chart, sorted by x (uPlot needs ascending x): steps, or Unix
 * seconds for a time axis. With logY, values that a log scale cannot show (<= 0) become gaps.
 */
export function toXY(p: Points, axis: XAxis, logY = false): { x: number[]; y: (number | null)[] } {
  const xs = axis === "time" ? p.timestamps.map((t) => t / 1000) : p.steps;
  const order = xs.map((_, i) => i);
  if (!isSorted(xs)) order.sort((a, b) => xs[a] - xs[b]);
  const x = order.map((i) => xs[i]);
  const y = order.map((i) => {
    const v = p.values[i];
    if (v == null || Number.isNaN(v)) return null;
    return logY && v <= 0 ? null : v;
  });
  return { x, y };
}

function isSorted(xs: number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[i - 1]) return false;
  return true;
}

type Cell = string | number | null | undefined;

/** Whether the values of one row (one per run) are not all the same; a missing value counts. */
export function differs(values: Cell[]): boolean {
  if (values.length < 2) return false;
  const norm = (v: Cell) => (v == null ? "\u0000none" : typeof v === "number" ? `n:${Number.isNaN(v) ? "NaN" : v}` : `s:${v}`);
  const first = norm(values[0]);
  return values.some((v) => norm(v) !== first);
}

/** Sorted union of the keys of several records (params, metrics of each run). */
export function unionKeys(records: (Record<string, unknown> | undefined)[]): string[] {
  const keys = new Set<string>();
  for (const r of records) for (const k of Object.keys(r ?? {})) keys.add(k);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

/** A param (stored as a string) as a number, or null when it is not one ("rbf", "", "True"). */
export function asNumber(v: string | number | null | undefined): number | null {
  if (v == null) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  const t = v.trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** One axis of the parallel-coordinates plot: its range and where a value sits (0 bottom, 1 top). */
export type Axis = { key: string; label: string; min: number; max: number; pos: (v: number) => number };

/** Linear 0..1 scale of finite values; a constant axis puts every value in the middle. */
export function axisScale(key: string, label: string, values: (number | null)[]): Axis | null {
  const finite = values.filter((v): v is number => v != null && Number.isFinite(v));
  if (finite.length === 0) return null;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min;
  const pos = span === 0 ? () => 0.5 : (v: number) => (v - min) / span;
  return { key, label, min, max, pos };
}

export type RunValues = { name: string; params: Record<string, string>; metrics: Record<string, number> };

/**
 * The axes of a parallel-coordinates plot: every param that is a number in each run that has
 * it, then every metric. An axis needs values in at least two runs, and values that differ,
 * to say anything.
 */
export function parallelAxes(runs: RunValues[]): Axis[] {
  const axes: Axis[] = [];
  for (const key of unionKeys(runs.map((r) => r.params))) {
    const raw = runs.map((r) => r.params[key]);
    const nums = raw.map(asNumber);
    if (raw.some((v, i) => v != null && nums[i] == null)) continue; // a categorical param
    const axis = axisScale(`params.${key}`, key, nums);
    if (axis && axis.max > axis.min && nums.filter((n) => n != null).length >= 2) axes.push(axis);
  }
  for (const key of unionKeys(runs.map((r) => r.metrics))) {
    const axis = axisScale(`metrics.${key}`, key, runs.map((r) => r.metrics[key] ?? null));
    if (axis && axis.max > axis.min && runs.filter((r) => r.metrics[key] != null).length >= 2) axes.push(axis);
  }
  return axes;
}

/** The value of a run on an axis ("params.lr" or "metrics.loss"), or null if it has none. */
export function axisValue(run: RunValues, axisKey: string): number | null {
  const dot = axisKey.indexOf(".");
  const kind = axisKey.slice(0, dot);
  const key = axisKey.slice(dot + 1);
  return kind === "params" ? asNumber(run.params[key]) : asNumber(run.metrics[key]);
}

/** Run names from `?runs=a,b,c`: trimmed, without blanks or repeats, in order. */
export function parseRunList(text: string | null): string[] {
  if (!text) return [];
  return [...new Set(text.split(",").map((s) => s.trim()).filter(Boolean))];
}

/** A filter for the run search that matches exactly these names (quotes doubled). */
export function nameFilter(names: string[]): string {
  return `name in (${names.map((n) => `'${n.replaceAll("'", "''")}'`).join(", ")})`;
}

export type XY = { label: string; x: number[]; y: (number | null)[] };

/**
 * The lines of one metric of one run: the points, plus their EMA when smoothing is on
 * (labelled "… (smoothed)", so the legend shows both values under the cursor).
 */
export function metricLines(label: string, p: Points, axis: XAxis, smoothing: number, logY: boolean): XY[] {
  const { x, y } = toXY(p, axis, logY);
  const raw = { label, x, y };
  if (smoothing <= 0) return [raw];
  return [raw, { label: `${label} (smoothed)`, x, y: ema(y, smoothing) }];
}
