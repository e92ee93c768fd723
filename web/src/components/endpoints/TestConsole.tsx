// Send one scoring request through the endpoint (or straight to one deployment) and show the
// answer as the serving host gave it: status, latency seen from here, body.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { compactJson, invokeRequest, parseModelRef, prettyBody, sampleRequest } from "../../lib/traffic";
import { ErrorBox } from "../Feedback";
import { DeploymentSelect, useDeploymentParam } from "./bits";

type Props = { workspace: string; endpoint: Schemas["OnlineEndpoint"]; deployments: Schemas["OnlineDeployment"][] };

type Answer = { response: Schemas["InvokeResponse"]; ms: number };

export function TestConsole({ workspace, endpoint, deployments }: Props) {
  const names = deployments.map((d) => d.name);
  const [target, setTarget] = useDeploymentParam(names, null);
  // The sample follows the targeted deployment, else the one taking the most traffic.
  const shown = deployments.find((d) => d.name === target) ?? [...deployments].sort(
    (a, b) => (endpoint.traffic?.[b.name] ?? 0) - (endpoint.traffic?.[a.name] ?? 0))[0];
  const sample = useSample(workspace, shown);
  const [text, setText] = useState<string | null>(null); // null: untouched, show the sample
  const [refused, setRefused] = useState<string | null>(null);
  const value = text ?? sample;

  const send = useMutation({
    mutationFn: async (request: Schemas["InvokeRequest"]): Promise<Answer> => {
      const start = performance.now();
      const response = await unwrap(api.POST("/api/v1/workspaces/{workspace}/online-endpoints/{name}/invoke", {
        params: { path: { workspace, name: endpoint.name } }, body: request,
      }));
      return { response, ms: performance.now() - start };
    },
  });

  const onSend = () => {
    const built = invokeRequest(value, target);
    if ("error" in built) {
      setRefused(built.error);
      return;
    }
    setRefused(null);
    send.mutate(built.request);
  };

  return (
    <div className="console">
      <div className="toolbar">
        <DeploymentSelect deployments={names} value={target} onChange={setTarget}
          anyLabel="Any (by the traffic split)" testId="console-deployment" />
        <button onClick={() => { setText(null); setRefused(null); }} disabled={text === null}>Reset to sample</button>
      </div>
      <div className="split">
        <div>
          <h3>Request</h3>
          <textarea data-testid="console-request" rows={14} spellCheck={false} value={value}
            aria-label="Request body (JSON)" onChange={(e) => setText(e.target.value)} />
          <div className="toolbar">
            <button className="primary" data-testid="console-send" onClick={onSend} disabled={send.isPending}>
              {send.isPending ? "Sending…" : "Send"}
            </button>
            <span className="muted small">POST {endpoint.scoring_uri}</span>
          </div>
          {refused && <div className="error-box" role="alert" data-testid="console-refused">{refused}</div>}
        </div>
        <div data-testid="console-response" className="console-response">
          <h3>Response</h3>
          {send.isPending && <p className="muted">Waiting for the answer…</p>}
          <ErrorBox error={send.error} />
          {send.data && !send.isPending && <AnswerView answer={send.data} />}
          {send.isIdle && <p className="muted">Send a request to see the answer here.</p>}
        </div>
      </div>
    </div>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  const { response, ms } = answer;
  const ok = response.status_code < 400;
  return (
    <>
      <div className="toolbar small">
        <span className={`badge ${ok ? "badge-ok" : "badge-bad"}`} data-testid="console-status">{response.status_code}</span>
        <span data-testid="console-latency">{Math.round(ms)} ms</span>
        {response.deployment && <span>answered by <strong>{response.deployment}</strong></span>}
        {response.request_id && <span className="muted mono">request {response.request_id}</span>}
      </div>
      <pre data-testid="console-body">{prettyBody(response.body)}</pre>
    </>
  );
}

/** The sample body for a deployment, from its model's input example or signature when it has them. */
function useSample(workspace: string, deployment: Schemas["OnlineDeployment"] | undefined): string {
  const ref = parseModelRef(deployment?.model);
  const model = useQuery({
    queryKey: ["endpoint-sample-model", workspace, ref?.name, ref?.version],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/models/{name}", {
      params: { path: { workspace, name: ref!.name }, query: { version: ref!.version } },
    })),
    enabled: ref !== null,
    retry: false,
  });
  return compactJson(sampleRequest(model.data, Boolean(deployment?.code_configuration)));
}
