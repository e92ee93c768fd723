// Edit an endpoint's live and mirror split; Save PATCHes the endpoint and refreshes every view.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { checkTraffic, draftOf, trafficSummary, trafficUpdate, type Draft } from "../../lib/traffic";
import { ErrorBox } from "../Feedback";
import { endpointKeys } from "./queries";

type Props = { workspace: string; endpoint: Schemas["OnlineEndpoint"]; deployments: string[] };

export function TrafficEditor({ workspace, endpoint, deployments }: Props) {
  const queryClient = useQueryClient();
  const [live, setLive] = useState<Draft>(() => draftOf(endpoint.traffic, deployments));
  const [mirror, setMirror] = useState<Draft>(() => draftOf(endpoint.mirror_traffic, deployments));
  const check = checkTraffic(deployments, live, mirror, { traffic: endpoint.traffic, mirror: endpoint.mirror_traffic });

  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH("/api/v1/workspaces/{workspace}/online-endpoints/{name}", {
      params: { path: { workspace, name: endpoint.name } },
      body: trafficUpdate(check),
    })),
    onSuccess: (updated) => {
      queryClient.setQueryData(endpointKeys.one(workspace, endpoint.name), updated);
      setLive(draftOf(updated.traffic, deployments));
      setMirror(draftOf(updated.mirror_traffic, deployments));
      void queryClient.invalidateQueries({ queryKey: endpointKeys.list(workspace) });
    },
  });

  const reset = () => {
    setLive(draftOf(endpoint.traffic, deployments));
    setMirror(draftOf(endpoint.mirror_traffic, deployments));
    save.reset();
  };
  const canSave = check.problems.length === 0 && check.changed.length > 0 && !save.isPending;

  return (
    <div data-testid="traffic-editor" className="traffic-editor">
      <p className="muted small">
        Live traffic is split between deployments by percent and must add up to 100 (or all be 0).
        Mirror traffic copies a share (at most 50%) of requests to one deployment that takes no live
        traffic; its answers are compared, never returned.
      </p>
      <table className="grid">
        <thead><tr><th>Deployment</th><th className="num">Live %</th><th className="num">Mirror %</th><th /></tr></thead>
        <tbody>
          {deployments.map((d) => (
            <tr key={d}>
              <td>{d}</td>
              <td className="num">
                <PercentInput value={live[d] ?? ""} label={`Live traffic of ${d}`} testId={`traffic-${d}`}
                  onChange={(v) => setLive({ ...live, [d]: v })} />
              </td>
              <td className="num">
                <PercentInput value={mirror[d] ?? ""} label={`Mirror traffic of ${d}`} testId={`mirror-${d}`}
                  onChange={(v) => setMirror({ ...mirror, [d]: v })} />
              </td>
              <td className="small muted">{check.changed.includes(d) ? "changed" : ""}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th>Live total</th>
            <th className="num" data-testid="traffic-sum">
              <span className={check.liveSum === 0 || check.liveSum === 100 ? "" : "error-text"}>{check.liveSum}%</span>
            </th>
            <th colSpan={2} />
          </tr>
        </tfoot>
      </table>
      {check.problems.length > 0 && (
        <ul className="problems error-text" data-testid="traffic-problems">
          {check.problems.map((p) => <li key={p}>{p}</li>)}
        </ul>
      )}
      <div className="toolbar traffic-actions">
        <button className="primary" data-testid="traffic-save" disabled={!canSave} onClick={() => save.mutate()}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        <button onClick={reset} disabled={check.changed.length === 0 && !save.error}>Reset</button>
        <span className="muted small">Now: {trafficSummary(endpoint.traffic)}
          {Object.values(endpoint.mirror_traffic ?? {}).some((p) => p > 0) && `; mirror ${trafficSummary(endpoint.mirror_traffic, "")}`}
        </span>
      </div>
      {save.isSuccess && check.changed.length === 0 && <p className="ok-text" role="status" data-testid="traffic-saved">Saved.</p>}
      <ErrorBox error={save.error} />
    </div>
  );
}

function PercentInput({ value, label, testId, onChange }: {
  value: string; label: string; testId: string; onChange: (v: string) => void;
}) {
  return (
    <input type="number" min={0} max={100} step={1} inputMode="numeric" className="percent-input" value={value}
      aria-label={label} data-testid={testId} onChange={(e) => onChange(e.target.value)} />
  );
}
