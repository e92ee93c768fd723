// A two-column table of names and values (params, tags, properties, settings).
import type { ReactNode } from "react";

export function KeyValues({ rows, empty = "None." }: { rows: [string, ReactNode][]; empty?: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}><th scope="row">{k}</th><td>{v}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
