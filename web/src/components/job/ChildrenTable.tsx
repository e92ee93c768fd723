// The children tab: a parent's child runs (a sweep's trials) with their params and scores.
import { Link } from "react-router";
import type { Run } from "../../api/types";
import { formatDuration, formatNumber } from "../../lib/format";
import { unionKeys } from "../../lib/metrics";
import { ErrorBox, Loading } from "../Feedback";
import { StatusBadge } from "../Status";
import { isTerminal, jobPath, useRunsByName } from "./runs";

/** Metric columns: the sweep's primary metric when there is one, else the first few keys. */
function metricColumns(parent: Run, children: Run[]): string[] {
  const objective = (parent.spec as { job?: { objective?: { primary_metric?: string } } } | null)?.job?.objective;
  // System metrics (system/cpu_percent ...) after the ones the code logged.
  const all = unionKeys(children.map((c) => c.metrics)).sort((a, b) => Number(a.startsWith("system/")) - Number(b.startsWith("system/")));
  const primary = objective?.primary_metric;
  if (primary) return [primary, ...all.filter((k) => k !== primary)].slice(0, 6);
  return all.slice(0, 6);
}

export function ChildrenTable({ workspace, parent }: { workspace: string; parent: Run }) {
  const q = useRunsByName(workspace, parent.children, !isTerminal(parent.status));
  if (q.isPending) return <Loading what="Loading child runs" />;
  if (q.error) return <ErrorBox error={q.error} />;
  const children = q.data;
  const params = unionKeys(children.map((c) => c.params));
  const metrics = metricColumns(parent, children);
  const best = parent.tags["basalt.sweep.best_trial"];
  const compare = `/workspaces/${encodeURIComponent(workspace)}/compare?parent=${encodeURIComponent(parent.name)}`;
  return (
    <div>
      <div className="toolbar">
        <span className="muted small">{children.length} child runs</span>
        {children.length > 1 && <Link to={compare}>Compare them</Link>}
      </div>
      <div className="table-scroll">
        <table className="grid" data-testid="children-table">
          <thead>
            <tr>
              <th>Name</th><th>Status</th><th className="num">Duration</th>
              {params.map((p) => <th key={`p-${p}`} title="param">{p}</th>)}
              {metrics.map((m) => <th key={`m-${m}`} className="num" title="metric (latest)">{m}</th>)}
            </tr>
          </thead>
          <tbody>
            {children.map((c) => (
              <tr key={c.name} data-run={c.name} className={c.name === best ? "best" : undefined}>
                <td className="nowrap">
                  <Link to={jobPath(workspace, c.name)}>{c.display_name || c.name}</Link>
                  {c.name === best && <span className="badge badge-ok best-badge">best</span>}
                </td>
                <td><StatusBadge status={c.status} /></td>
                <td className="num nowrap">{formatDuration(c.duration_s)}</td>
                {params.map((p) => <td key={`p-${p}`} className="mono">{c.params[p] ?? "—"}</td>)}
                {metrics.map((m) => <td key={`m-${m}`} className="num">{formatNumber(c.metrics[m])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
