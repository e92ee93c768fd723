// The overview tab: how the run went (status timeline, error), what it ran on, and its spec.
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { Run } from "../../api/types";
import { formatDate, formatDuration } from "../../lib/format";
import { KeyValues } from "../KeyValues";
import { StatusBadge } from "../Status";
import { jobPath } from "./runs";

type Spec = { job?: Record<string, unknown>; resolved?: { compute?: string; environment?: { ref?: string } } };

function asSpec(spec: unknown): Spec | null {
  return spec && typeof spec === "object" ? (spec as Spec) : null;
}

/** Compute and environment as the job resolved them, else as submitted. */
function computeAndEnvironment(run: Run): [string | null, string | null] {
  const spec = asSpec(run.spec);
  const job = spec?.job ?? {};
  const compute = spec?.resolved?.compute ?? (typeof job.compute === "string" ? job.compute : null) ?? run.properties["basalt.compute"] ?? null;
  const env = spec?.resolved?.environment?.ref ?? (typeof job.environment === "string" ? job.environment : null);
  return [compute, env];
}

export function Overview({ workspace, run }: { workspace: string; run: Run }) {
  const [compute, environment] = computeAndEnvironment(run);
  const jobType = asSpec(run.spec)?.job?.type;
  const rows: [string, ReactNode][] = [
    ["Name", <span className="mono">{run.name}</span>],
    ["Kind", `${run.kind}${typeof jobType === "string" ? ` (${jobType})` : ""}`],
    ["Experiment", run.experiment_name],
    ["Created by", run.created_by || "—"],
    ["Created", formatDate(run.created_at)],
    ["Started", formatDate(run.start_time)],
    ["Ended", formatDate(run.end_time)],
    ["Duration", formatDuration(run.duration_s)],
  ];
  if (compute) rows.push(["Compute", compute]);
  if (environment) rows.push(["Environment", <span className="mono">{environment}</span>]);
  if (run.parent_name) rows.push(["Parent", <Link to={jobPath(workspace, run.parent_name)}>{run.parent_name}</Link>]);
  if (run.snapshot_id) rows.push(["Code snapshot", <span className="mono">{run.snapshot_id}</span>]);
  if (run.description) rows.push(["Description", run.description]);

  return (
    <div className="job-overview">
      {run.error && <RunErrorBox error={run.error} />}
      <StatusTimeline history={run.status_history} />
      <div className="split">
        <section className="card"><h2>Details</h2><KeyValues rows={rows} /></section>
        <div className="stack">
          <section className="card">
            <h2>Tags</h2>
            <KeyValues rows={Object.entries(run.tags).sort().map(([k, v]) => [k, v])} empty="No tags." />
          </section>
          <section className="card">
            <h2>Properties</h2>
            <KeyValues rows={Object.entries(run.properties).sort().map(([k, v]) => [k, <span className="mono">{v}</span>])} empty="No properties." />
          </section>
        </div>
      </div>
      <SpecView spec={run.spec} />
    </div>
  );
}

function RunErrorBox({ error }: { error: NonNullable<Run["error"]> }) {
  return (
    <div className="error-box run-error" role="alert" data-testid="run-error">
      <strong>{error.type} error</strong>
      <pre className="run-error-message">{error.message}</pre>
      {error.traceback && (
        <details><summary>Traceback</summary><pre className="run-error-message">{error.traceback}</pre></details>
      )}
    </div>
  );
}

/** Each status the run went through, with when it entered it and how long it stayed. */
export function StatusTimeline({ history }: { history: Run["status_history"] }) {
  if (history.length === 0) return null;
  return (
    <ol className="status-timeline" data-testid="status-timeline">
      {history.map((h, i) => {
        const next = history[i + 1];
        const stay = next ? (new Date(next.at).getTime() - new Date(h.at).getTime()) / 1000 : null;
        return (
          <li key={`${h.status}-${h.at}`}>
            <StatusBadge status={h.status} />
            <span className="small" title={h.at}>{formatDate(h.at)}</span>
            {stay != null && <span className="muted small">{formatDuration(stay)}</span>}
          </li>
        );
      })}
    </ol>
  );
}

/** The job as submitted (and as resolved), folded away: it can be long. */
function SpecView({ spec }: { spec: unknown }) {
  const s = asSpec(spec);
  if (!s) return null;
  const parts: [string, unknown][] = s.job ? [["Spec as submitted", s.job], ["Resolved", s.resolved]] : [["Spec", spec]];
  return (
    <section className="spec-view">
      {parts.filter(([, v]) => v != null).map(([title, v]) => (
        <details key={title} className="card">
          <summary><strong>{title}</strong></summary>
          <pre className="light">{JSON.stringify(v, null, 2)}</pre>
        </details>
      ))}
    </section>
  );
}
