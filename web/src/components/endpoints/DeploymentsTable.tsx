// An online endpoint's deployments with their share of live and mirrored traffic.
import type { Schemas } from "../../api/client";
import { formatAgo } from "../../lib/format";
import { Code, Empty } from "../Feedback";
import { StatusBadge } from "../Status";
import { ModelLink } from "./bits";

type Props = {
  workspace: string;
  endpoint: Schemas["OnlineEndpoint"];
  deployments: Schemas["OnlineDeployment"][];
};

export function DeploymentsTable({ workspace, endpoint, deployments }: Props) {
  if (deployments.length === 0) {
    return (
      <Empty title="No deployments yet">
        Put a model behind this endpoint: <Code>basalt online-deployment create -f deployment.yml --all-traffic</Code>{" "}
        (with <Code>endpoint_name: {endpoint.name}</Code> in the YAML).
      </Empty>
    );
  }
  return (
    <table className="grid" data-testid="deployments-table">
      <thead>
        <tr>
          <th>Name</th><th>Model</th><th>Environment</th><th className="num">Instances</th><th>State</th>
          <th className="num">Traffic</th><th className="num">Mirror</th><th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {deployments.map((d) => (
          <tr key={d.name} data-deployment={d.name}>
            <td>{d.name}</td>
            <td><ModelLink workspace={workspace} model={d.model} /></td>
            <td className="small">{d.environment}</td>
            <td className="num">{d.instance_count}</td>
            <td>
              <StatusBadge status={d.provisioning_state} />
              {d.error && <div className="small error-text ellipsis" title={d.error}>{d.error.split("\n").filter(Boolean).pop()}</div>}
            </td>
            <td className="num" data-testid={`traffic-cell-${d.name}`}>{endpoint.traffic?.[d.name] ?? 0}%</td>
            <td className="num">{endpoint.mirror_traffic?.[d.name] ? `${endpoint.mirror_traffic[d.name]}%` : "—"}</td>
            <td className="small muted">{formatAgo(d.updated_at ?? d.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
