// Workspace home: what happened lately (jobs, models, endpoints) and what needs attention.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import type { Run } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/Feedback";
import { PageHeader, useWorkspace } from "../components/Layout";
import { StatusBadge } from "../components/Status";
import { formatAgo, formatDuration } from "../lib/format";
import { jobPath } from "../components/job/runs";

const DAY_MS = 24 * 3600 * 1000;

function useRuns(workspace: string, key: string, filter: string | null, max: number) {
  return useQuery({
    queryKey: ["home-runs", workspace, key],
    queryFn: () => unwrap(api.POST("/api/v1/workspaces/{workspace}/runs/search", {
      params: { path: { workspace } },
      body: { filter, order_by: ["created_at DESC"], max_results: max, include_archived: false },
    })),
    refetchInterval: 10_000,
  });
}

export function Home() {
  const workspace = useWorkspace();
  const ws = `/workspaces/${encodeURIComponent(workspace)}`;
  const recent = useRuns(workspace, "recent", null, 8);
  const since = new Date(Date.now() - DAY_MS).toISOString();
  const failed = useRuns(workspace, "failed", `status = 'Failed' and created_at > '${since}'`, 20);
  const running = useRuns(workspace, "running", "status in ('Queued', 'Preparing', 'Running', 'Finalizing')", 50);
  const models = useQuery({
    queryKey: ["home-models", workspace],
    queryFn: () => unwrap(api.POST("/api/v1/workspaces/{workspace}/models/search", {
      params: { path: { workspace } }, body: { max_results: 6, include_archived: false },
    })),
  });
  const endpoints = useQuery({
    queryKey: ["home-endpoints", workspace],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/online-endpoints", { params: { path: { workspace } } })),
  });

  return (
    <div>
      <PageHeader title={workspace} crumbs={[["Workspaces", "/workspaces"]]} />
      <div className="cards home-stats">
        <Stat label="Running or queued" value={running.data?.items.length} more={running.data?.next_page_token != null} to={`${ws}/jobs?status=Queued,Preparing,Running,Finalizing`} />
        <Stat label="Failed in the last 24 h" value={failed.data?.items.length} more={failed.data?.next_page_token != null} to={`${ws}/jobs?status=Failed`} tone={failed.data?.items.length ? "bad" : undefined} />
        <Stat label="Online endpoints" value={endpoints.data?.length} to={`${ws}/endpoints`} />
      </div>

      {failed.data && failed.data.items.length > 0 && (
        <section className="card alerts" data-testid="home-alerts">
          <h2>Needs attention</h2>
          <ul>
            {failed.data.items.slice(0, 5).map((r) => (
              <li key={r.name}>
                <Link to={jobPath(workspace, r.name)}>{r.display_name || r.name}</Link> failed{" "}
                {formatAgo(r.end_time ?? r.created_at)}{r.error?.message ? `: ${r.error.message.slice(0, 160)}` : ""}
              </li>
            ))}
          </ul>
        </section>
      )}

      <div className="split home-split">
        <section className="card" data-testid="home-jobs">
          <h2>Recent jobs <Link className="small" to={`${ws}/jobs`}>all</Link></h2>
          <ErrorBox error={recent.error} />
          {recent.isPending ? <Loading /> : recent.data?.items.length ? <RunTable workspace={workspace} runs={recent.data.items} /> : (
            <Empty title="No jobs yet">Submit one with <code>basalt job create -f job.yml</code>.</Empty>
          )}
        </section>
        <section className="card" data-testid="home-models">
          <h2>Models <Link className="small" to={`${ws}/models`}>all</Link></h2>
          <ErrorBox error={models.error} />
          {models.isPending ? <Loading /> : models.data?.items.length ? (
            <table className="grid">
              <thead><tr><th>Model</th><th>Version</th><th>Created</th></tr></thead>
              <tbody>
                {models.data.items.map((m) => (
                  <tr key={`${m.name}:${m.version}`}>
                    <td><Link to={`${ws}/models/${encodeURIComponent(m.name)}`}>{m.name}</Link></td>
                    <td><Link to={`${ws}/models/${encodeURIComponent(m.name)}/versions/${encodeURIComponent(m.version)}`}>{m.version}</Link></td>
                    <td>{formatAgo(m.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <Empty title="No models yet">Register one with <code>basalt model create --name NAME --path PATH</code>.</Empty>}
        </section>
      </div>
      <section className="card" data-testid="home-endpoints" style={{ marginTop: "1rem" }}>
        <h2>Endpoints <Link className="small" to={`${ws}/endpoints`}>all</Link></h2>
        <ErrorBox error={endpoints.error} />
        {endpoints.isPending ? <Loading /> : endpoints.data?.length ? (
          <table className="grid">
            <thead><tr><th>Endpoint</th><th>Traffic</th><th>State</th></tr></thead>
            <tbody>
              {endpoints.data.map((e) => (
                <tr key={e.name}>
                  <td><Link to={`${ws}/endpoints/${encodeURIComponent(e.name)}`}>{e.name}</Link></td>
                  <td>{Object.entries(e.traffic ?? {}).map(([d, p]) => `${d} ${p}%`).join(" · ") || "no traffic"}</td>
                  <td><StatusBadge status={e.provisioning_state} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <Empty title="No endpoints yet">Create one with <code>basalt online-endpoint create -f endpoint.yml</code>.</Empty>}
      </section>
    </div>
  );
}

function Stat({ label, value, more = false, to, tone }: {
  label: string; value: number | undefined; more?: boolean; to: string; tone?: "bad";
}) {
  return (
    <Link to={to} className={`card stat-card ${tone ?? ""}`}>
      <div className="stat">{value === undefined ? "…" : `${value}${more ? "+" : ""}`}</div>
      <div className="muted">{label}</div>
    </Link>
  );
}

function RunTable({ workspace, runs }: { workspace: string; runs: Run[] }) {
  return (
    <table className="grid">
      <thead><tr><th>Job</th><th>Status</th><th>Created</th><th>Duration</th></tr></thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.name}>
            <td className="ellipsis" style={{ maxWidth: 260 }}><Link to={jobPath(workspace, r.name)}>{r.display_name || r.name}</Link></td>
            <td><StatusBadge status={r.status} /></td>
            <td className="nowrap">{formatAgo(r.created_at)}</td>
            <td className="nowrap">{formatDuration(r.duration_s)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
