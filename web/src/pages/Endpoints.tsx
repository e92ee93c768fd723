// Online endpoints: the list, and one endpoint's overview, deployments, traffic split, test
// console, telemetry and logs (each tab its own URL through ?tab=).
import { Link, useParams } from "react-router";
import type { Schemas } from "../api/client";
import { CopyText } from "../components/endpoints/bits";
import { DeploymentLogs } from "../components/endpoints/DeploymentLogs";
import { DeploymentsTable } from "../components/endpoints/DeploymentsTable";
import { useDeployments, useEndpoint, useEndpoints } from "../components/endpoints/queries";
import { Telemetry } from "../components/endpoints/Telemetry";
import { TestConsole } from "../components/endpoints/TestConsole";
import { TrafficEditor } from "../components/endpoints/TrafficEditor";
import { Code, Empty, ErrorBox, Loading } from "../components/Feedback";
import { KeyValues } from "../components/KeyValues";
import { PageHeader, useWorkspace } from "../components/Layout";
import { StatusBadge } from "../components/Status";
import { TabBar, useTab } from "../components/Tabs";
import { formatAgo, formatDate } from "../lib/format";
import { trafficSummary } from "../lib/traffic";

const wsPath = (ws: string) => `/workspaces/${encodeURIComponent(ws)}`;

export function Endpoints() {
  const workspace = useWorkspace();
  const endpoints = useEndpoints(workspace);
  return (
    <>
      <PageHeader title="Online endpoints" />
      {endpoints.isPending && <Loading what="Loading endpoints" />}
      <ErrorBox error={endpoints.error} />
      {endpoints.data?.length === 0 && (
        <Empty title="No online endpoints yet">
          <div>Create one, then put a model behind it:</div>
          <pre className="light">{"basalt online-endpoint create -f endpoint.yml\nbasalt online-deployment create -f deployment.yml --all-traffic"}</pre>
          <div>See docs/endpoints.md for the YAML.</div>
        </Empty>
      )}
      {endpoints.data && endpoints.data.length > 0 && <EndpointTable workspace={workspace} endpoints={endpoints.data} />}
    </>
  );
}

function EndpointTable({ workspace, endpoints }: { workspace: string; endpoints: Schemas["OnlineEndpoint"][] }) {
  return (
    <table className="grid" data-testid="endpoint-table">
      <thead>
        <tr><th>Name</th><th>Scoring URI</th><th>Auth</th><th>Traffic</th><th>State</th><th>Created</th></tr>
      </thead>
      <tbody>
        {endpoints.map((e) => (
          <tr key={e.name} data-endpoint={e.name}>
            <td><Link to={`${wsPath(workspace)}/endpoints/${encodeURIComponent(e.name)}`}>{e.name}</Link></td>
            <td className="mono small">{e.scoring_uri}</td>
            <td>{e.auth_mode}</td>
            <td>{(e.deployments ?? []).length === 0 ? <span className="muted">no deployments</span> : <TrafficText endpoint={e} />}</td>
            <td><StatusBadge status={e.provisioning_state} /></td>
            <td className="small muted" title={formatDate(e.created_at)}>{formatAgo(e.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TrafficText({ endpoint }: { endpoint: Schemas["OnlineEndpoint"] }) {
  const mirrored = Object.values(endpoint.mirror_traffic ?? {}).some((p) => p > 0);
  return (
    <span>
      {trafficSummary(endpoint.traffic)}
      {mirrored && <span className="muted"> (mirror {trafficSummary(endpoint.mirror_traffic, "")})</span>}
    </span>
  );
}

const TABS = ["overview", "deployments", "traffic", "test", "telemetry", "logs"] as const;
const TAB_LABELS = { test: "Test console" };

export function EndpointDetail() {
  const workspace = useWorkspace();
  const { name = "" } = useParams();
  const endpoint = useEndpoint(workspace, name);
  const deployments = useDeployments(workspace, name);
  const [tab, setTab] = useTab(TABS);
  const crumbs: [string, string][] = [["Online endpoints", `${wsPath(workspace)}/endpoints`]];

  if (endpoint.isPending) return <><PageHeader title={name} crumbs={crumbs} /><Loading what="Loading endpoint" /></>;
  if (endpoint.error) return <><PageHeader title={name} crumbs={crumbs} /><ErrorBox error={endpoint.error} /></>;
  const ep = endpoint.data;
  return (
    <>
      <PageHeader title={ep.name} crumbs={crumbs} actions={<StatusBadge status={ep.provisioning_state} />} />
      <TabBar tabs={TABS} tab={tab} onChange={setTab} labels={TAB_LABELS} />
      {tab === "overview" && <Overview endpoint={ep} />}
      {tab !== "overview" && deployments.isPending && <Loading what="Loading deployments" />}
      {tab !== "overview" && <ErrorBox error={deployments.error} />}
      {tab !== "overview" && deployments.data && (
        <DeploymentTab tab={tab} workspace={workspace} endpoint={ep} deployments={deployments.data} />
      )}
    </>
  );
}

function DeploymentTab({ tab, workspace, endpoint, deployments }: {
  tab: string; workspace: string; endpoint: Schemas["OnlineEndpoint"]; deployments: Schemas["OnlineDeployment"][];
}) {
  const names = deployments.map((d) => d.name);
  if (tab === "deployments" || names.length === 0) {
    return <DeploymentsTable workspace={workspace} endpoint={endpoint} deployments={deployments} />;
  }
  if (tab === "traffic") {
    // Keyed on the deployments: a new or deleted one restarts the edit with its row.
    return <TrafficEditor key={names.join("\n")} workspace={workspace} endpoint={endpoint} deployments={names} />;
  }
  if (tab === "test") return <TestConsole workspace={workspace} endpoint={endpoint} deployments={deployments} />;
  if (tab === "telemetry") return <Telemetry workspace={workspace} endpoint={endpoint.name} deployments={names} />;
  return <DeploymentLogs workspace={workspace} endpoint={endpoint.name} deployments={names} />;
}

function Overview({ endpoint }: { endpoint: Schemas["OnlineEndpoint"] }) {
  const tags = Object.entries(endpoint.tags ?? {});
  return (
    <div className="card">
      <KeyValues rows={[
        ["Scoring URI", <CopyText text={endpoint.scoring_uri} testId="scoring-uri" />],
        ["Auth mode", endpoint.auth_mode === "key"
          ? <span>key <span className="muted small">(<Code>basalt online-endpoint get-credentials --name {endpoint.name}</Code>)</span></span>
          : endpoint.auth_mode],
        ["Traffic", <TrafficText endpoint={endpoint} />],
        ["Deployments", (endpoint.deployments ?? []).join(", ") || "none"],
        ["State", <StatusBadge status={endpoint.provisioning_state} />],
        ["Description", endpoint.description || <span className="muted">none</span>],
        ["Tags", tags.length ? tags.map(([k, v]) => `${k}=${v}`).join(", ") : <span className="muted">none</span>],
        ["Generation", String(endpoint.generation)],
        ["Created", `${formatDate(endpoint.created_at)}${endpoint.created_by ? ` by ${endpoint.created_by}` : ""}`],
        ["Updated", formatDate(endpoint.updated_at)],
      ]} />
    </div>
  );
}
