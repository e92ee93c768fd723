// The selected version's fields: what every asset has, then what its kind adds.
import type { ReactNode } from "react";
import { Link } from "react-router";
import { KeyValues } from "../KeyValues";
import { redactUri, type AssetKind } from "../../lib/assets";
import { formatBytes, formatDate, formatNumber } from "../../lib/format";
import type { Asset, Component, Data, Environment, Model } from "./api";
import { DataProfile } from "./DataProfile";
import { ArchivedBadge, Labels } from "./Labels";
import { jobPath } from "../job/runs";

type Rows = [string, ReactNode][];

function Json({ value }: { value: unknown }) {
  return <pre className="light asset-json">{JSON.stringify(value, null, 2)}</pre>;
}

function JobLink({ workspace, job }: { workspace: string; job: string | null | undefined }) {
  if (!job) return <span className="muted">— (registered from files)</span>;
  return <Link to={jobPath(workspace, job)}>{job}</Link>;
}

function commonRows(a: Asset): Rows {
  return [
    ["name", a.name],
    ["version", <>{a.version} <ArchivedBadge archived={a.archived} /></>],
    ["description", a.description || <span className="muted">—</span>],
    ["labels", a.labels?.length ? <Labels labels={a.labels} /> : <span className="muted">—</span>],
    ["created", `${formatDate(a.created_at)}${a.created_by ? ` by ${a.created_by}` : ""}`],
    ["updated", formatDate(a.updated_at)],
    ["content hash", <span className="mono small">{a.content_hash || "—"}</span>],
  ];
}

function modelRows(m: Model, workspace: string): Rows {
  return [
    ["type", m.type],
    ["flavor", m.flavors?.length ? `${m.flavor} (${m.flavors.join(", ")})` : m.flavor],
    ["size", formatBytes(m.size)],
    ["source", <span className="mono">{redactUri(m.path)}</span>],
    ["job", <JobLink workspace={workspace} job={m.job_name} />],
  ];
}

function dataRows(d: Data, workspace: string): Rows {
  return [
    ["type", d.type],
    ["size", formatBytes(d.size)],
    ["source", <span className="mono">{redactUri(d.path)}</span>],
    ["job", <JobLink workspace={workspace} job={d.job_name} />],
  ];
}

function environmentRows(e: Environment): Rows {
  const rows: Rows = [
    ["image", e.image ? <span className="mono">{e.image}</span> : <span className="muted">—</span>],
    ["OS", e.os_type],
    ["curated", e.curated ? "yes (shipped with Basalt)" : "no"],
  ];
  if (e.build) rows.push(["build context", <span className="mono">{e.build.path} ({e.build.dockerfile_path})</span>]);
  if (e.conda_file) rows.push(["conda file", <Json value={e.conda_file} />]);
  if (e.pip_requirements?.length) {
    rows.push(["pip requirements", <pre className="light asset-json">{e.pip_requirements.join("\n")}</pre>]);
  }
  return rows;
}

function componentRows(c: Component): Rows {
  const rows: Rows = [
    ["display name", c.display_name ?? <span className="muted">—</span>],
    ["type", c.type],
    ["command", <pre className="light asset-json">{c.command}</pre>],
    ["environment", <span className="mono">{c.resolved_environment || (typeof c.environment === "string" ? c.environment : "inline")}</span>],
    ["code", c.code ? <span className="mono">{redactUri(c.code)}</span> : <span className="muted">—</span>],
    ["size", formatBytes(c.size)],
    ["deterministic", c.is_deterministic ? "yes" : "no"],
  ];
  if (c.resources) rows.push(["resources", <Json value={c.resources} />]);
  if (c.distribution) rows.push(["distribution", <Json value={c.distribution} />]);
  // Values may hold secrets: names only.
  const envNames = Object.keys(c.environment_variables ?? {});
  if (envNames.length) rows.push(["environment variables", <span className="mono">{envNames.join(", ")} <span className="muted">(values hidden)</span></span>]);
  return rows;
}

function ComponentIO({ c }: { c: Component }) {
  const inputs = Object.entries(c.inputs ?? {});
  const outputs = Object.entries(c.outputs ?? {});
  return (
    <div className="split">
      <div>
        <h3>Inputs</h3>
        {inputs.length === 0 ? <p className="muted">None.</p> : (
          <table className="grid">
            <thead><tr><th>Name</th><th>Type</th><th>Default</th><th>Optional</th><th>Description</th></tr></thead>
            <tbody>
              {inputs.map(([k, i]) => (
                <tr key={k}>
                  <td className="mono">{k}</td><td>{i.type}</td>
                  <td className="mono">{i.default == null ? "—" : String(i.default)}</td>
                  <td>{i.optional ? "yes" : ""}</td><td>{i.description ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div>
        <h3>Outputs</h3>
        {outputs.length === 0 ? <p className="muted">None.</p> : (
          <table className="grid">
            <thead><tr><th>Name</th><th>Type</th><th>Description</th></tr></thead>
            <tbody>
              {outputs.map(([k, o]) => (
                <tr key={k}><td className="mono">{k}</td><td>{o.type}</td><td>{o.description ?? ""}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

function kindRows(kind: AssetKind, a: Asset, workspace: string): Rows {
  switch (kind) {
    case "models": return modelRows(a as Model, workspace);
    case "data": return dataRows(a as Data, workspace);
    case "environments": return environmentRows(a as Environment);
    case "components": return componentRows(a as Component);
  }
}

export function Overview({ workspace, kind, asset }: { workspace: string; kind: AssetKind; asset: Asset }) {
  const model = kind === "models" ? (asset as Model) : null;
  const metrics = Object.entries(model?.metrics ?? {}).map(([k, v]): [string, ReactNode] => [k, formatNumber(v)]);
  return (
    <div className="asset-overview" data-testid="asset-overview">
      <div className="split">
        <section className="card">
          <h2>Details</h2>
          <KeyValues rows={[...commonRows(asset), ...kindRows(kind, asset, workspace)]} />
        </section>
        <div className="asset-side">
          <section className="card">
            <h2>Tags</h2>
            <KeyValues rows={Object.entries(asset.tags ?? {})} empty="No tags." />
          </section>
          <section className="card">
            <h2>Properties</h2>
            <KeyValues rows={Object.entries(asset.properties ?? {})} empty="No properties." />
          </section>
          {model && (
            <section className="card">
              <h2>Metrics at registration</h2>
              <KeyValues rows={metrics} empty="No metrics recorded." />
            </section>
          )}
        </div>
      </div>
      {model?.signature && (<><h2>Signature</h2><Json value={model.signature} /></>)}
      {model?.input_example != null && (<><h2>Input example</h2><Json value={model.input_example} /></>)}
      {kind === "components" && <ComponentIO c={asset as Component} />}
      {kind === "data" && (<><h2>Profile</h2><DataProfile profile={(asset as Data).profile} /></>)}
    </div>
  );
}
