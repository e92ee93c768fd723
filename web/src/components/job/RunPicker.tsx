// The runs being compared, as removable chips, and a box to add one by name.
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap } from "../../api/client";

export function RunPicker({ workspace, names, colors, missing, onEdit }: {
  workspace: string; names: string[]; colors: string[]; missing: Set<string>;
  onEdit: (edit: (names: string[]) => string[]) => void;
}) {
  const [draft, setDraft] = useState("");
  // Recent runs as suggestions for the input (one cheap search, no paging).
  const recent = useQuery({
    queryKey: ["runs-recent", workspace],
    queryFn: () => unwrap(api.POST("/api/v1/workspaces/{workspace}/runs/search", {
      params: { path: { workspace } },
      body: { max_results: 200, order_by: ["created_at DESC"], include_archived: false },
    })),
  });
  const add = (e: FormEvent) => {
    e.preventDefault();
    const name = draft.trim();
    if (name) onEdit((current) => (current.includes(name) ? current : [...current, name]));
    setDraft("");
  };
  let colour = 0;
  return (
    <div className="toolbar run-picker" data-testid="run-picker">
      {names.map((n) => {
        const gone = missing.has(n);
        const swatch = gone ? undefined : colors[colour++];
        return (
          <span key={n} className={gone ? "chip chip-missing" : "chip"} data-run={n} title={gone ? "No run of this name" : n}>
            {swatch && <span className="swatch" style={{ background: swatch }} />}
            <span className="mono">{n}</span>
            {gone && <span className="small"> (not found)</span>}
            <button className="chip-x" aria-label={`Remove ${n}`} onClick={() => onEdit((current) => current.filter((m) => m !== n))}>×</button>
          </span>
        );
      })}
      <form onSubmit={add} className="run-add">
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Add a run by name"
          list="compare-run-names" aria-label="Add a run by name" data-testid="compare-add-input" />
        <button type="submit" disabled={!draft.trim()}>Add</button>
        <datalist id="compare-run-names">
          {recent.data?.items.filter((r) => !names.includes(r.name)).map((r) => (
            <option key={r.name} value={r.name}>{r.display_name ?? r.experiment_name}</option>
          ))}
        </datalist>
      </form>
    </div>
  );
}
