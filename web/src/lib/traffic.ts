// Pure logic of the endpoint pages: traffic splits (summary, validation, what changed, the
// PATCH body), the test console's request (sample, parsing) and telemetry series.
import type { Schemas } from "../api/client";

/** Percent per deployment, as the API keeps `traffic` and `mirror_traffic`. */
export type Split = Record<string, number>;
/** What the user typed per deployment (kept as text so a half-typed value is not lost). */
export type Draft = Record<string, string>;

/** "blue 90% · green 10%": live deployments by share, largest first; zeros left out. */
export function trafficSummary(split: Split | undefined, none = "no live traffic"): string {
  const parts = Object.entries(split ?? {})
    .filter(([, p]) => p > 0)
    .sort(([a, pa], [b, pb]) => pb - pa || a.localeCompare(b))
    .map(([name, p]) => `${name} ${p}%`);
  return parts.length ? parts.join(" · ") : none;
}

/** The inputs' starting text: every deployment, 0 where the split does not name it. */
export function draftOf(split: Split | undefined, deployments: string[]): Draft {
  return Object.fromEntries(deployments.map((d) => [d, String(split?.[d] ?? 0)]));
}

/** A whole percent 0-100 from an input ("" is 0); null when it is not one. */
export function parsePercent(text: string): number | null {
  const t = text.trim();
  if (t === "") return 0;
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n <= 100 ? n : null;
}

export type TrafficCheck = {
  live: Split;
  mirror: Split;
  liveSum: number;
  /** Why it cannot be saved (empty: it can). */
  problems: string[];
  /** Deployments whose live or mirror share differs from what the endpoint has. */
  changed: string[];
  mirrorChanged: boolean;
};

/**
 * Check an edited split. Only what the page can know for sure is refused here (not whole
 * percents, live traffic not adding up to 100 or 0); the mirror rules are the server's to
 * say, so its message is shown as it says it.
 */
export function checkTraffic(
  deployments: string[], liveDraft: Draft, mirrorDraft: Draft, current: { traffic?: Split; mirror?: Split },
): TrafficCheck {
  const problems: string[] = [];
  const read = (draft: Draft, what: string): Split => {
    const out: Split = {};
    for (const d of deployments) {
      const value = parsePercent(draft[d] ?? "");
      if (value === null) problems.push(`${what} of ${d}: "${draft[d]}" is not a whole percent from 0 to 100.`);
      out[d] = value ?? 0;
    }
    return out;
  };
  const live = read(liveDraft, "Traffic");
  const mirror = read(mirrorDraft, "Mirror traffic");
  const liveSum = Object.values(live).reduce((a, b) => a + b, 0);
  if (liveSum !== 0 && liveSum !== 100) {
    problems.push(`Live traffic adds up to ${liveSum}%; it must add up to 100% (or all be 0).`);
  }
  const differs = (split: Split, old: Split | undefined, d: string) => split[d] !== (old?.[d] ?? 0);
  const liveChanged = deployments.filter((d) => differs(live, current.traffic, d));
  const mirrorChanged = deployments.filter((d) => differs(mirror, current.mirror, d));
  const changed = deployments.filter((d) => liveChanged.includes(d) || mirrorChanged.includes(d));
  return { live, mirror, liveSum, problems, changed, mirrorChanged: mirrorChanged.length > 0 };
}

/** The PATCH body: the whole live split (zeros too, as the CLI sends them), the mirror only when it changed. */
export function trafficUpdate(check: TrafficCheck): Schemas["OnlineEndpointUpdate"] {
  const body: Schemas["OnlineEndpointUpdate"] = { traffic: check.live };
  if (check.mirrorChanged) {
    body.mirror_traffic = Object.fromEntries(Object.entries(check.mirror).filter(([, p]) => p > 0));
  }
  return body;
}

/** "azureml:name:version" or "name:version" as its parts; null when it names no version. */
export function parseModelRef(ref: string | null | undefined): { name: string; version: string } | null {
  if (!ref) return null;
  const bare = ref.startsWith("azureml:") ? ref.slice("azureml:".length) : ref;
  const at = bare.lastIndexOf(":");
  if (at <= 0 || at === bare.length - 1) return null;
  return { name: bare.slice(0, at), version: bare.slice(at + 1) };
}

/** The request keys the scoring scripts and no-code serving take as they are. */
const REQUEST_KEYS = ["input_data", "dataframe_split", "dataframe_records", "inputs", "instances", "data"];

type SampleModel = Pick<Schemas["Model"], "signature" | "input_example"> | null | undefined;

/**
 * A request to start the console with: the model's saved input example, else one row built
 * from its MLflow signature, else a placeholder: Azure's sample `{"data": [[...]]}` for a
 * deployment with its own scoring script (which reads whatever it likes), and the
 * `{"input_data": ...}` frame no-code serving takes otherwise.
 */
export function sampleRequest(model: SampleModel, scoringScript = false): unknown {
  const example = model?.input_example;
  if (example != null) return wrapExample(example);
  const fromSignature = signatureRow(model?.signature);
  if (fromSignature) return fromSignature;
  if (scoringScript) return { data: [[1.0, 2.0, 3.0, 4.0]] };
  return { input_data: { columns: ["feature_1", "feature_2"], data: [[1.0, 2.0]] } };
}

function wrapExample(example: unknown): unknown {
  if (Array.isArray(example)) {
    const records = example.length > 0 && example.every((r) => r && typeof r === "object" && !Array.isArray(r));
    return records ? { dataframe_records: example } : { inputs: example };
  }
  if (example && typeof example === "object") {
    const keys = Object.keys(example);
    // Checked first: a split-oriented frame's "data" key is not Azure's {"data": ...} request.
    if (keys.includes("columns") && keys.includes("data")) return { input_data: example };
    if (keys.some((k) => REQUEST_KEYS.includes(k))) return example;
  }
  return { inputs: example };
}

type ColumnSpec = { name?: string; type?: string; "tensor-spec"?: { dtype?: string; shape?: number[] } };

function signatureRow(signature: Record<string, unknown> | null | undefined): unknown {
  const inputs = signature?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) return null;
  const specs = inputs as ColumnSpec[];
  const tensor = specs[0]["tensor-spec"];
  if (tensor) {
    const width = Math.max(1, tensor.shape?.[1] ?? 1);
    return { inputs: [Array.from({ length: width }, () => sampleValue(tensor.dtype))] };
  }
  const named = specs.filter((s) => typeof s.name === "string");
  if (named.length === 0) return null;
  return { input_data: { columns: named.map((s) => s.name), data: [named.map((s) => sampleValue(s.type))] } };
}

function sampleValue(type: string | undefined): unknown {
  const t = (type ?? "").toLowerCase();
  if (t === "string" || t === "str") return "text";
  if (t === "boolean" || t === "bool") return false;
  if (t === "datetime") return "2024-01-01T00:00:00";
  if (t === "binary" || t === "bytes") return "";
  if (/int|long/.test(t)) return 0;
  return 0.0;
}

/** Text to send, or why not: the console refuses what is not JSON before the server sees it. */
export function invokeRequest(
  text: string, deployment: string | null,
): { request: Schemas["InvokeRequest"] } | { error: string } {
  if (text.trim() === "") return { error: "The request is empty: write a JSON body to send." };
  try {
    const parsed: unknown = JSON.parse(text);
    const request: Schemas["InvokeRequest"] = { body: JSON.stringify(parsed) };
    if (deployment) request.deployment_name = deployment;
    return { request };
  } catch (e) {
    return { error: `The request is not valid JSON: ${(e as Error).message}` };
  }
}

/**
 * JSON indented by object, with arrays of plain values kept on one line, so a row of
 * features or a list of predictions reads as one line rather than one line per number.
 */
export function compactJson(value: unknown): string {
  // A raw newline never occurs inside a JSON string, so collapsing them only joins items.
  return JSON.stringify(value, null, 2).replace(/\[[^[\]{}]*\]/g, (list) =>
    list.replace(/,\n\s*/g, ", ").replace(/\[\n\s*/, "[").replace(/\n\s*\]$/, "]"));
}

/** An answer's body pretty-printed when it is JSON, else as it came. */
export function prettyBody(body: string): string {
  try {
    return compactJson(JSON.parse(body));
  } catch {
    return body;
  }
}

export type MinuteSeries = {
  x: number[];
  requests: number[];
  errors: number[];
  p50: (number | null)[];
  p99: (number | null)[];
};

/**
 * One value per minute of [since, until): the API leaves out minutes without requests, which
 * here count 0 requests (not a line drawn across the gap) and no latency.
 */
export function perMinute(points: Schemas["MetricsPoint"][], since: string, until: string): MinuteSeries {
  const byMinute = new Map<number, Schemas["MetricsPoint"]>();
  for (const p of points) {
    if (p.minute) byMinute.set(Math.floor(Date.parse(p.minute) / 60000) * 60, p);
  }
  const start = Math.floor(Date.parse(since) / 60000) * 60;
  const end = Date.parse(until) / 1000;
  const out: MinuteSeries = { x: [], requests: [], errors: [], p50: [], p99: [] };
  if (!Number.isFinite(start) || !Number.isFinite(end)) return out;
  for (let t = start; t < end; t += 60) {
    const p = byMinute.get(t);
    out.x.push(t);
    out.requests.push(p?.requests ?? 0);
    out.errors.push(p?.errors ?? 0);
    out.p50.push(p?.latency_ms_p50 ?? null);
    out.p99.push(p?.latency_ms_p99 ?? null);
  }
  return out;
}
