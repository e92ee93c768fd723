// A deployment's worker console logs (the last N lines of each worker).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { ErrorBox, Loading } from "../Feedback";
import { DeploymentSelect, useDeploymentParam } from "./bits";

const LINES = [100, 500, 2000];

export function DeploymentLogs({ workspace, endpoint, deployments }: {
  workspace: string; endpoint: string; deployments: string[];
}) {
  const [deployment, setDeployment] = useDeploymentParam(deployments, deployments[0] ?? null);
  const [lines, setLines] = useState(LINES[1]);
  const logs = useQuery({
    queryKey: ["online-endpoints", workspace, endpoint, "logs", deployment, lines],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/online-endpoints/{endpoint}/deployments/{name}/logs", {
      params: { path: { workspace, endpoint, name: deployment! }, query: { lines } },
    })),
    enabled: deployment !== null,
  });
  return (
    <div>
      <div className="toolbar">
        <DeploymentSelect deployments={deployments} value={deployment} onChange={setDeployment} testId="logs-deployment" />
        <label className="inline">
          <span>Last</span>
          <select value={lines} onChange={(e) => setLines(Number(e.target.value))}>
            {LINES.map((n) => <option key={n} value={n}>{n} lines</option>)}
          </select>
        </label>
        <button onClick={() => void logs.refetch()} disabled={logs.isFetching}>{logs.isFetching ? "Refreshing…" : "Refresh"}</button>
      </div>
      {logs.isPending && <Loading what="Loading logs" />}
      <ErrorBox error={logs.error} />
      {logs.data && (
        <pre data-testid="deployment-logs">{logs.data.text.trim() || "(no output yet)"}</pre>
      )}
    </div>
  );
}
