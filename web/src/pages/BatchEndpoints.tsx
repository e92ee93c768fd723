// Batch endpoints: the list, and one endpoint's overview, deployments and the jobs it ran.
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";
import { CopyText, ModelLink } from "../components/endpoints/bits";
import { Code, Empty, ErrorBox, Loading } from "../components/Feedback";
import { KeyValues } from "../components/KeyValues";
import { PageHeader, useWorkspace } from "../components/Layout";
import { StatusBadge } from "../components/Status";
import { TabBar, useTab } from "../components/Tabs";
import { formatAgo, formatDate } from "../lib/format";
import { jobPath } from "../components/job/runs";

const wsPath = (ws: string) => `/workspaces/${encodeURIComponent(ws)}`;
const ACTIVE = new Set(["NotStarted", "Queued", "Preparing", "Starting", "Running", "Finalizing", "CancelRequested"]);

export function BatchEndpoints() {
  const workspace = useWorkspace();
  const endpoints = useQuery({
    queryKey: ["batch-endpoints", workspace],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/batch-endpoints", { params: { path: { workspace } } })),
  });
  return (
    <>
      <PageHeader title="Batch endpoints" />
      {endpoints.isPending && <Loading what="Loading batch endpoints" />}
      <ErrorBox error={endpoints.error} />
      {endpoints.data?.length === 0 && (
        <Empty title="No batch endpoints yet">
          <div>Create one with a deployment, then score a data asset with it:</div>
          <pre className="light">{"basalt batch-endpoint create -f endpoint.yml\nbasalt batch-deployment create -f deployment.yml\nbasalt batch-endpoint invoke --name NAME --input azureml:my-data@latest"}</pre>
          <div>See docs/batch-endpoints.md for the YAML.</div>
        </Empty>
      )}
      {endpoints.data && endpoints.data.length > 0 && (
        <table className="grid" data-testid="batch-endpoint-table">
          <thead><tr><th>Name</th><th>Default deployment</th><th className="num">Deployments</th><th>Auth</th><th>Invocation URI</th><th>Created</th></tr></thead>
          <tbody>
            {endpoints.data.map((e) => (
              <tr key={e.name} data-endpoint={e.name}>
                <td><Link to={`${wsPath(workspace)}/batch-endpoints/${encodeURIComponent(e.name)}`}>{e.name}</Link></td>
                <td>{e.default_deployment ?? <span className="muted">none</span>}</td>
                <td className="num">{(e.deployments ?? []).length}</td>
                <td>{e.auth_mode}</td>
                <td className="mono small">{e.invocation_uri}</td>
                <td className="small muted" title={formatDate(e.created_at)}>{formatAgo(e.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const TABS = ["overview", "deployments", "jobs"] as const;

export function BatchEndpointDetail() {
  const workspace = useWorkspace();
  const { name = "" } = useParams();
  const [tab, setTab] = useTab(TABS);
  const endpoint = useQuery({
    queryKey: ["batch-endpoints", workspace, name],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/batch-endpoints/{name}", { params: { path: { workspace, name } } })),
  });
  const crumbs: [string, string][] = [["Batch endpoints", `${wsPath(workspace)}/batch-endpoints`]];
  return (
    <>
      <PageHeader title={name} crumbs={crumbs} />
      {endpoint.isPending && <Loading what="Loading batch endpoint" />}
      <ErrorBox error={endpoint.error} />
      {endpoint.data && (
        <>
          <TabBar tabs={TABS} tab={tab} onChange={setTab} />
          {tab === "overview" && <BatchOverview endpoint={endpoint.data} />}
          {tab === "deployments" && <BatchDeployments workspace={workspace} endpoint={endpoint.data} />}
          {tab === "jobs" && <BatchJobs workspace={workspace} endpoint={name} />}
        </>
      )}
    </>
  );
}

function BatchOverview({ endpoint }: { endpoint: Schemas["BatchEndpoint"] }) {
  const tags = Object.entries(endpoint.tags ?? {});
  return (
    <div className="card">
      <KeyValues rows={[
        ["Invocation URI", <CopyText text={endpoint.invocation_uri} testId="invocation-uri" />],
        ["Default deployment", endpoint.default_deployment ?? <span className="muted">none</span>],
        ["Deployments", (endpoint.deployments ?? []).join(", ") || "none"],
        ["Auth mode", endpoint.auth_mode],
        ["Description", endpoint.description || <span className="muted">none</span>],
        ["Tags", tags.length ? tags.map(([k, v]) => `${k}=${v}`).join(", ") : <span className="muted">none</span>],
        ["Created", `${formatDate(endpoint.created_at)}${endpoint.created_by ? ` by ${endpoint.created_by}` : ""}`],
        ["Updated", formatDate(endpoint.updated_at)],
      ]} />
      <p className="muted small">Score data with <Code>basalt batch-endpoint invoke --name {endpoint.name} --input azureml:my-data@latest</Code></p>
    </div>
  );
}

function BatchDeployments({ workspace, endpoint }: { workspace: string; endpoint: Schemas["BatchEndpoint"] }) {
  const deployments = useQuery({
    queryKey: ["batch-endpoints", workspace, endpoint.name, "deployments"],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/batch-endpoints/{endpoint}/deployments", {
      params: { path: { workspace, endpoint: endpoint.name } },
    })),
  });
  if (deployments.isPending) return <Loading what="Loading deployments" />;
  if (deployments.error) return <ErrorBox error={deployments.error} />;
  if (deployments.data.length === 0) {
    return (
      <Empty title="No deployments yet">
        Add one (the first becomes the default): <Code>basalt batch-deployment create -f deployment.yml</Code>{" "}
        with <Code>endpoint_name: {endpoint.name}</Code>.
      </Empty>
    );
  }
  return (
    <table className="grid" data-testid="batch-deployments-table">
      <thead>
        <tr><th>Name</th><th>Model</th><th>Compute</th><th>Environment</th><th className="num">Instances</th>
          <th className="num">Mini-batch</th><th className="num">Max retries</th><th>Output</th><th>Updated</th></tr>
      </thead>
      <tbody>
        {deployments.data.map((d) => (
          <tr key={d.name} data-deployment={d.name}>
            <td>{d.name} {d.is_default && <span className="badge badge-ok" data-testid="default-deployment">default</span>}</td>
            <td><ModelLink workspace={workspace} model={d.model} /></td>
            <td><Link to={`${wsPath(workspace)}/computes`}>{d.compute}</Link></td>
            <td className="small">{d.environment}</td>
            <td className="num">{d.resources?.instance_count ?? 1}</td>
            <td className="num">{d.settings?.mini_batch_size ?? "—"}</td>
            <td className="num">{d.settings?.retry_settings?.max_retries ?? "—"}</td>
            <td className="small">{d.settings ? `${d.settings.output_action} → ${d.settings.output_file_name}` : "—"}</td>
            <td className="small muted">{formatAgo(d.updated_at ?? d.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BatchJobs({ workspace, endpoint }: { workspace: string; endpoint: string }) {
  const jobs = useQuery({
    queryKey: ["batch-endpoints", workspace, endpoint, "jobs"],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/batch-endpoints/{name}/jobs", {
      params: { path: { workspace, name: endpoint } },
    })),
    // Follow running jobs' mini-batch progress.
    refetchInterval: (q) => ((q.state.data ?? []).some((j) => ACTIVE.has(j.status)) ? 5000 : false),
  });
  if (jobs.isPending) return <Loading what="Loading jobs" />;
  if (jobs.error) return <ErrorBox error={jobs.error} />;
  if (jobs.data.length === 0) {
    return (
      <Empty title="This endpoint has not run any jobs">
        Start one: <Code>basalt batch-endpoint invoke --name {endpoint} --input azureml:my-data@latest</Code>
      </Empty>
    );
  }
  return (
    <table className="grid" data-testid="batch-jobs-table">
      <thead><tr><th>Job</th><th>Status</th><th>Deployment</th><th>Mini-batches</th><th>Created</th><th>Error</th></tr></thead>
      <tbody>
        {jobs.data.map((j) => (
          <tr key={j.name} data-job={j.name}>
            <td><Link to={jobPath(workspace, j.name)}>{j.name}</Link></td>
            <td><StatusBadge status={j.status} /></td>
            <td>{j.deployment ?? "—"}</td>
            <td className="small"><Progress job={j} /></td>
            <td className="small muted" title={formatDate(j.created_at)}>{formatAgo(j.created_at)}</td>
            <td className="small error-text">{j.error ? <span className="ellipsis ep-clip" title={j.error}>{j.error}</span> : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Progress({ job }: { job: Schemas["BatchJobProgress"] }) {
  if (job.mini_batches_total == null) return <span className="muted">—</span>;
  const done = job.mini_batches_done ?? 0;
  const failed = job.mini_batches_failed ?? 0;
  return (
    <span>
      {done} of {job.mini_batches_total} done
      {failed > 0 && <span className="error-text">, {failed} failed</span>}
    </span>
  );
}
