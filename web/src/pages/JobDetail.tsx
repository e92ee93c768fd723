// One job (or any run): overview, params, metrics, live log, output files, code and child runs.
// Every view is a URL: the tab in ?tab=, chart settings in ?x=&smooth=&log=, the open output in
// ?path=, the open code file in ?file=.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useParams } from "react-router";
import { api, unwrap } from "../api/client";
import type { Run } from "../api/types";
import { ErrorBox, Loading } from "../components/Feedback";
import { ChildrenTable } from "../components/job/ChildrenTable";
import { OutputsBrowser, SnapshotBrowser } from "../components/job/FileBrowser";
import { LogView } from "../components/job/LogView";
import { MetricCharts } from "../components/job/MetricCharts";
import { Overview } from "../components/job/Overview";
import { isTerminal, runLabel, useRun } from "../components/job/runs";
import { KeyValues } from "../components/KeyValues";
import { PageHeader, useWorkspace } from "../components/Layout";
import { StatusBadge } from "../components/Status";
import { TabBar, useTab } from "../components/Tabs";

const TABS = ["overview", "params", "metrics", "logs", "outputs", "code", "children"] as const;

export function JobDetail() {
  const workspace = useWorkspace();
  const name = useParams().name ?? "";
  const run = useRun(workspace, name);
  const tabs = TABS.filter((t) =>
    (t !== "children" || (run.data?.children.length ?? 0) > 0) && (t !== "code" || Boolean(run.data?.snapshot_id)));
  const [tab, setTab] = useTab(tabs);
  const jobs = `/workspaces/${encodeURIComponent(workspace)}/jobs`;

  if (run.isPending) return <Loading what="Loading the job" />;
  if (run.error) {
    return <><PageHeader title={name} crumbs={[["Jobs", jobs]]} /><ErrorBox error={run.error} /></>;
  }
  const r = run.data;
  const labels = {
    params: `Params (${Object.keys(r.params).length})`,
    metrics: `Metrics (${Object.keys(r.metrics).length})`,
    children: `Children (${r.children.length})`,
  };
  return (
    <div className="job-detail">
      <PageHeader
        title={<>{runLabel(r)} <span data-testid="job-status"><StatusBadge status={r.status} /></span></>}
        crumbs={[["Jobs", jobs]]}
        actions={<JobActions workspace={workspace} run={r} />}
      />
      {r.display_name && <div className="muted small mono job-name">{r.name}</div>}
      <TabBar tabs={tabs} tab={tab} onChange={setTab} labels={labels} />
      {tab === "overview" && <Overview workspace={workspace} run={r} />}
      {tab === "params" && (
        <div className="card" data-testid="params-table">
          <KeyValues rows={Object.entries(r.params).sort().map(([k, v]) => [k, <span className="mono">{v}</span>])}
            empty="No params. A job's literal inputs become its params; from a script, use basalt.log_param(key, value)." />
        </div>
      )}
      {tab === "metrics" && <MetricCharts workspace={workspace} run={r} />}
      {tab === "logs" && <LogView workspace={workspace} name={r.name} />}
      {tab === "outputs" && <OutputsBrowser workspace={workspace} run={r.name} status={r.status} />}
      {tab === "code" && <SnapshotBrowser workspace={workspace} run={r.name} />}
      {tab === "children" && <ChildrenTable workspace={workspace} parent={r} />}
    </div>
  );
}

/** Cancel while the job can still be stopped, and compare a parent's children. */
function JobActions({ workspace, run }: { workspace: string; run: Run }) {
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/workspaces/{workspace}/jobs/{name}/cancel", {
      params: { path: { workspace, name: run.name } },
    })),
    onSuccess: (updated) => client.setQueryData(["run", workspace, run.name], updated),
  });
  const canCancel = run.kind === "job" && !isTerminal(run.status);
  return (
    <>
      {canCancel && (
        <button className="danger" data-testid="cancel-job" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
          {cancel.isPending ? "Canceling…" : "Cancel"}
        </button>
      )}
      {cancel.error && <ErrorBox error={cancel.error} />}
    </>
  );
}
