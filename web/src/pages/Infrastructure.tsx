// Compute targets and datastores of the workspace. Datastore credentials are never shown:
// the API masks them, and the page only says whether there are any.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { Code, Empty, ErrorBox, Loading } from "../components/Feedback";
import { PageHeader, useWorkspace } from "../components/Layout";
import { formatAgo, formatDate } from "../lib/format";

const tagText = (tags: Record<string, string> | undefined) =>
  Object.entries(tags ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");

export function Computes() {
  const workspace = useWorkspace();
  const computes = useQuery({
    queryKey: ["computes", workspace],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/computes", { params: { path: { workspace } } })),
  });
  return (
    <>
      <PageHeader title="Compute targets" />
      {computes.isPending && <Loading what="Loading compute targets" />}
      <ErrorBox error={computes.error} />
      {computes.data?.length === 0 && (
        <Empty title="No compute targets">
          Every workspace has <Code>local</Code>; add another with{" "}
          <Code>basalt compute create --name cpu --type local --max-concurrent-jobs 2</Code>
        </Empty>
      )}
      {computes.data && computes.data.length > 0 && (
        <table className="grid" data-testid="computes-table">
          <thead>
            <tr><th>Name</th><th>Type</th><th className="num">Jobs at once</th><th>Description</th><th>Tags</th><th>Created</th><th>Updated</th></tr>
          </thead>
          <tbody>
            {computes.data.map((c) => (
              <tr key={c.name} data-compute={c.name}>
                <td>{c.name}</td>
                <td>{c.type}</td>
                <td className="num">{c.max_concurrent_jobs}</td>
                <td>{c.description || <span className="muted">—</span>}</td>
                <td className="small">{tagText(c.tags) || <span className="muted">—</span>}</td>
                <td className="small muted" title={formatDate(c.created_at)}>{formatAgo(c.created_at)}{c.created_by ? ` by ${c.created_by}` : ""}</td>
                <td className="small muted" title={formatDate(c.updated_at)}>{formatAgo(c.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small">Change how many jobs run at once with <Code>basalt compute update NAME --max-concurrent-jobs N</Code>; further jobs wait in the queue.</p>
    </>
  );
}

export function Datastores() {
  const workspace = useWorkspace();
  const datastores = useQuery({
    queryKey: ["datastores", workspace],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/datastores", { params: { path: { workspace } } })),
  });
  return (
    <>
      <PageHeader title="Datastores" />
      {datastores.isPending && <Loading what="Loading datastores" />}
      <ErrorBox error={datastores.error} />
      {datastores.data?.length === 0 && (
        <Empty title="No datastores">
          Connect storage with <Code>basalt datastore create -f ds.yml</Code> (see docs/datastores.md).
        </Empty>
      )}
      {datastores.data && datastores.data.length > 0 && (
        <table className="grid" data-testid="datastores-table">
          <thead>
            <tr><th>Name</th><th>Type</th><th>Location</th><th>Credentials</th><th>Description</th><th>Created</th></tr>
          </thead>
          <tbody>
            {datastores.data.map((d) => (
              <tr key={d.name} data-datastore={d.name}>
                <td>{d.name} {d.is_default && <span className="badge badge-ok" data-testid="default-datastore">default</span>}</td>
                <td>{d.type}</td>
                <td className="mono small">{location(d)}</td>
                <td data-testid={`credentials-${d.name}`}><Credentials datastore={d} /></td>
                <td>{d.description || <span className="muted">—</span>}</td>
                <td className="small muted" title={formatDate(d.created_at)}>{d.created_at ? formatAgo(d.created_at) : "built-in"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Where a datastore's files are, from the fields its type uses. */
function location(d: Schemas["Datastore"]): string {
  const join = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join("/") || "—";
  switch (d.type) {
    case "azure_blob":
      return join(d.account_url ?? d.account_name, d.container_name, d.path);
    case "azure_data_lake_gen2":
      return join(d.account_url ?? d.account_name, d.filesystem, d.path);
    case "s3":
      return `s3://${join(d.bucket, d.path)}${d.endpoint_url ? ` (${d.endpoint_url})` : d.region ? ` (${d.region})` : ""}`;
    case "artifact_store":
      return d.path || "the workspace's artifact store";
    default:
      return d.path || "—";
  }
}

/** Whether credentials are set: the kind, never a value. */
function Credentials({ datastore }: { datastore: Schemas["Datastore"] }) {
  const configured = datastore.credential_type !== "none" || Object.keys(datastore.credentials ?? {}).length > 0;
  if (!configured) return <span className="muted">none</span>;
  const kind = datastore.credential_type === "none" ? "" : ` (${datastore.credential_type.replace(/_/g, " ")})`;
  return <span>configured<span className="muted small">{kind}</span></span>;
}
