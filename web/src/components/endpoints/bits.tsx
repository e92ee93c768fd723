// Small pieces the endpoint pages share: a model version link, a copyable value, and the
// deployment in focus kept in the URL (?deployment=) so console, telemetry and logs deep-link.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { parseModelRef } from "../../lib/traffic";

export function ModelLink({ workspace, model }: { workspace: string; model: string | null | undefined }) {
  const ref = parseModelRef(model);
  if (!ref) return <span className="muted">{model || "—"}</span>;
  const to = `/workspaces/${encodeURIComponent(workspace)}/models/${encodeURIComponent(ref.name)}/versions/${encodeURIComponent(ref.version)}`;
  return <Link to={to}>{ref.name}:{ref.version}</Link>;
}

export function CopyText({ text, testId }: { text: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1500);
    } catch {
      // no clipboard (plain http, old browser): the text stays selectable
    }
  };
  return (
    <span className="copy-text">
      <code data-testid={testId}>{text}</code>
      <button type="button" className="small" onClick={copy} aria-label="Copy">{copied ? "Copied" : "Copy"}</button>
    </span>
  );
}

/** The `?deployment=` in focus, or the fallback when it names none of the deployments. */
export function useDeploymentParam(deployments: string[], fallback: string | null): [string | null, (d: string | null) => void] {
  const [params, setParams] = useSearchParams();
  const current = params.get("deployment");
  const chosen = current && deployments.includes(current) ? current : fallback;
  const set = (d: string | null) => {
    const next = new URLSearchParams(params);
    if (d) next.set("deployment", d);
    else next.delete("deployment");
    setParams(next, { replace: true });
  };
  return [chosen, set];
}

export function DeploymentSelect({ deployments, value, onChange, anyLabel, testId }: {
  deployments: string[]; value: string | null; onChange: (d: string | null) => void; anyLabel?: string; testId?: string;
}) {
  return (
    <label className="inline">
      <span>Deployment</span>
      <select value={value ?? ""} data-testid={testId} onChange={(e) => onChange(e.target.value || null)}>
        {anyLabel && <option value="">{anyLabel}</option>}
        {deployments.map((d) => <option key={d} value={d}>{d}</option>)}
      </select>
    </label>
  );
}
