// Model versions side by side (GET /models/{name}/compare): pick 2+ versions (kept in ?versions=),
// rows whose values differ are highlighted.
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { Empty, ErrorBox, Loading } from "../Feedback";
import { comparisonRows } from "../../lib/assets";
import { formatBytes, formatDate, formatNumber } from "../../lib/format";
import type { Asset } from "./api";

export function ModelCompare({ workspace, name, versions }: { workspace: string; name: string; versions: Asset[] }) {
  const [params, setParams] = useSearchParams();
  const chosen = (params.get("versions") ?? "").split(",").filter((v) => versions.some((a) => a.version === v));
  const toggle = (v: string) => {
    const set = chosen.includes(v) ? chosen.filter((c) => c !== v) : [...chosen, v];
    // Keep the versions table's order, so the columns do not jump around.
    const ordered = versions.map((a) => a.version).filter((x) => set.includes(x));
    const next = new URLSearchParams(params);
    next.set("versions", ordered.join(","));
    setParams(next, { replace: true });
  };
  if (versions.length < 2) {
    return <Empty title="Only one version">Register another version to compare: <code>basalt model create --name {name} --path ./model</code></Empty>;
  }
  return (
    <div>
      <div className="toolbar" role="group" aria-label="Versions to compare">
        <span className="muted">Versions:</span>
        {versions.map((a) => (
          <label key={a.version} className="inline">
            <input type="checkbox" checked={chosen.includes(a.version)} onChange={() => toggle(a.version)} />
            {a.version}
          </label>
        ))}
      </div>
      {chosen.length < 2 ? <p className="muted">Pick two or more versions.</p>
        : <ComparisonTable workspace={workspace} name={name} versions={chosen} />}
    </div>
  );
}

function ComparisonTable({ workspace, name, versions }: { workspace: string; name: string; versions: string[] }) {
  const cmp = useQuery({
    queryKey: ["assets", workspace, "models", "name", name, "compare", versions],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/models/{name}/compare", {
      params: { path: { workspace, name }, query: { versions } },
    })),
  });
  if (cmp.isPending) return <Loading what="Comparing" />;
  if (cmp.error) return <ErrorBox error={cmp.error} />;
  const rows = comparisonRows(cmp.data, { size: formatBytes, metric: formatNumber });
  const shown = rows.map((r) => (r.key === "created_at" ? { ...r, values: r.values.map(formatDate) } : r));
  return (
    <>
      <p className="muted small">{cmp.data.differing?.length ?? 0} rows differ (highlighted).</p>
      <table className="grid" data-testid="model-compare-table">
        <thead>
          <tr><th></th>{cmp.data.versions.map((v) => <th key={v.version}>version {v.version}</th>)}</tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.key} data-row={r.key} className={r.differs ? "diff" : undefined}>
              <th scope="row" className="mono">{r.label}</th>
              {r.values.map((v, i) => <td key={i} className={r.differs ? "diff" : undefined}>{v}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
