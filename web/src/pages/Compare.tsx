// Runs side by side: `?runs=a,b,c`, or `?parent=SWEEP` for all of a sweep's trials. Metrics
// overlaid, params and final metrics in a table with differences marked, and parallel
// coordinates when there are enough runs to see a trend.
import { useSearchParams } from "react-router";
import type { Run } from "../api/types";
import { Code, Empty, ErrorBox, Loading } from "../components/Feedback";
import { CompareCharts } from "../components/job/CompareCharts";
import { CompareTable } from "../components/job/CompareTable";
import { MetricControls } from "../components/job/MetricControls";
import { ParallelCoordinates } from "../components/job/ParallelCoordinates";
import { RunPicker } from "../components/job/RunPicker";
import { useRun, useRunsByName } from "../components/job/runs";
import { PageHeader, useWorkspace } from "../components/Layout";
import { PALETTE } from "../components/LineChart";
import { parseRunList, unionKeys } from "../lib/metrics";

/** Past this many runs the charts show the first ones only (each line is a request). */
const MAX_CHART_RUNS = 20;

export function Compare() {
  const workspace = useWorkspace();
  const [params, setParams] = useSearchParams();
  const parent = params.get("parent");
  const listed = parseRunList(params.get("runs"));
  const parentRun = useParentChildren(workspace, parent);
  const names = parent ? parentRun.names : listed;

  // Editing the list turns a sweep's view into an explicit list, kept in ?runs=. The list is
  // read back from the address bar, which the router updates at once, while the rendered
  // `names` can lag a quick second edit (navigations render in a transition).
  const editNames = (edit: (current: string[]) => string[]) => {
    const now = new URLSearchParams(window.location.search);
    const next = edit(now.get("parent") ? names : parseRunList(now.get("runs")));
    now.delete("parent");
    if (next.length) now.set("runs", next.join(","));
    else now.delete("runs");
    setParams(now, { replace: true });
  };

  const runs = useRunsByName(workspace, names, true);
  const found = runs.data ?? [];
  const missing = new Set(runs.data ? names.filter((n) => !found.some((r) => r.name === n)) : []);
  const colors = found.map((_, i) => PALETTE[i % PALETTE.length]);
  const jobs = `/workspaces/${encodeURIComponent(workspace)}/jobs`;

  return (
    <div className="compare">
      <PageHeader title={parent ? `Compare the trials of ${parent}` : "Compare runs"} crumbs={[["Jobs", jobs]]} />
      <RunPicker workspace={workspace} names={names} colors={colors} missing={missing} onEdit={editNames} />
      {parentRun.error != null ? <ErrorBox error={parentRun.error} />
        : parentRun.pending ? <Loading what="Loading the sweep" />
        : names.length === 0 ? (
          <Empty title="No runs to compare">
            Add runs by name above, open <Code>?runs=a,b,c</Code>, or pick runs on the Jobs page and
            choose Compare. List names with <Code>basalt job list</Code>.
          </Empty>
        )
        : runs.isPending ? <Loading what="Loading runs" />
        : runs.error ? <ErrorBox error={runs.error} />
        : found.length === 0 ? <Empty title="None of these runs exist">Check the names with <Code>basalt job list</Code>.</Empty>
        : <CompareBody workspace={workspace} runs={found} colors={colors} sweep={parent != null} />}
    </div>
  );
}

/** The children of ?parent=, or nothing to wait for without one. */
function useParentChildren(workspace: string, parent: string | null): { names: string[]; pending: boolean; error: unknown } {
  const q = useRun(workspace, parent ?? "", parent != null);
  if (!parent) return { names: [], pending: false, error: null };
  return { names: q.data?.children ?? [], pending: q.isPending, error: q.error };
}

function CompareBody({ workspace, runs, colors, sweep }: { workspace: string; runs: Run[]; colors: string[]; sweep: boolean }) {
  const charted = runs.slice(0, MAX_CHART_RUNS);
  const keys = unionKeys(charted.map((r) => r.metrics));
  // A sweep's trials share a parent; then even two are worth a parallel plot.
  const siblings = runs.length >= 2 && runs.every((r) => r.parent_name && r.parent_name === runs[0].parent_name);
  const showParallel = runs.length >= 3 || sweep || siblings;
  return (
    <>
      <h2>Metrics</h2>
      {keys.length === 0 ? (
        <Empty title="No metrics in these runs">Log some with <Code>basalt.log_metric("loss", 0.5, step=1)</Code>.</Empty>
      ) : (
        <>
          <MetricControls />
          {runs.length > MAX_CHART_RUNS && (
            <p className="muted small">The charts show the first {MAX_CHART_RUNS} of {runs.length} runs; the table shows all.</p>
          )}
          <CompareCharts workspace={workspace} runs={charted} keys={keys} />
        </>
      )}
      {showParallel && (
        <>
          <h2>Parallel coordinates</h2>
          <div className="card">
            <ParallelCoordinates runs={runs} colors={colors} labels={runs.map((r) => r.display_name || r.name)} />
          </div>
        </>
      )}
      <h2>Params and metrics</h2>
      <CompareTable workspace={workspace} runs={runs} colors={colors} />
    </>
  );
}
