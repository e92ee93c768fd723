// The frame of every workspace page: the workspace switcher and the navigation on the left.
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, NavLink, Outlet, useNavigate, useParams } from "react-router";
import { api, getToken, setToken, unwrap } from "../api/client";

export const SECTIONS: [string, string][] = [
  ["", "Home"],
  ["jobs", "Jobs"],
  ["models", "Models"],
  ["data", "Data"],
  ["environments", "Environments"],
  ["components", "Components"],
  ["endpoints", "Endpoints"],
  ["batch-endpoints", "Batch endpoints"],
  ["computes", "Compute"],
  ["datastores", "Datastores"],
];

export function useWorkspace(): string {
  const { workspace } = useParams();
  return workspace ?? "default";
}

export function WorkspaceLayout() {
  const workspace = useWorkspace();
  const navigate = useNavigate();
  const workspaces = useQuery({
    queryKey: ["workspaces"],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces")),
  });
  const base = `/workspaces/${encodeURIComponent(workspace)}`;
  return (
    <div className="frame">
      <nav className="sidebar" aria-label="Workspace">
        <Link to="/" className="brand">Basalt <span>studio</span></Link>
        <label className="ws-switch">
          <span className="muted small">Workspace</span>
          <select value={workspace} aria-label="Workspace"
            onChange={(e) => navigate(`/workspaces/${encodeURIComponent(e.target.value)}`)}>
            {(workspaces.data ?? [{ name: workspace }]).map((w) => (
              <option key={w.name} value={w.name}>{w.name}</option>
            ))}
          </select>
        </label>
        <ul>
          {SECTIONS.map(([path, label]) => (
            <li key={path}>
              <NavLink end={path === ""} to={path ? `${base}/${path}` : base}>{label}</NavLink>
            </li>
          ))}
        </ul>
        <UserBox />
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}

function UserBox() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/api/v1/me")), retry: false });
  if (!me.data) return null;
  return (
    <div className="userbox small">
      <span title="Signed in as">{me.data.name}</span>
      {getToken() && (
        <button className="link" onClick={() => { setToken(null); window.location.reload(); }}>Sign out</button>
      )}
    </div>
  );
}

/** The page heading with a breadcrumb trail and actions on the right. */
export function PageHeader({ title, crumbs = [], actions }: {
  title: ReactNode; crumbs?: [string, string][]; actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      {crumbs.length > 0 && (
        <div className="crumbs">
          {crumbs.map(([label, to]) => (
            <span key={to}><Link to={to}>{label}</Link> / </span>
          ))}
        </div>
      )}
      <div className="page-title-row">
        <h1>{title}</h1>
        {actions && <div className="actions">{actions}</div>}
      </div>
    </header>
  );
}
