// The workspaces this user may open.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { Empty, ErrorBox, Loading } from "../components/Feedback";
import { formatDate } from "../lib/format";

export function Workspaces() {
  const q = useQuery({ queryKey: ["workspaces"], queryFn: () => unwrap(api.GET("/api/v1/workspaces")) });
  return (
    <div className="content narrow">
      <h1>Workspaces</h1>
      {q.isPending && <Loading />}
      <ErrorBox error={q.error} />
      {q.data?.length === 0 && (
        <Empty title="No workspaces you can open">
          Create one with <code>basalt workspace create NAME</code>, or ask an administrator to add you to one.
        </Empty>
      )}
      {q.data && q.data.length > 0 && (
        <table className="grid">
          <thead><tr><th>Name</th><th>Description</th><th>Created</th></tr></thead>
          <tbody>
            {q.data.map((w) => (
              <tr key={w.name}>
                <td><Link to={`/workspaces/${encodeURIComponent(w.name)}`}>{w.name}</Link></td>
                <td>{w.description}</td>
                <td>{formatDate(w.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
