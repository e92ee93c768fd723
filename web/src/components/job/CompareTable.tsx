// Params and final metrics side by side, one column per run; rows whose values differ are marked.
import { useState } from "react";
import { Link } from "react-router";
import type { Run } from "../../api/types";
import { formatNumber } from "../../lib/format";
import { differs, unionKeys } from "../../lib/metrics";
import { StatusBadge } from "../Status";
import { jobPath, runLabel } from "./runs";

type Row = { section: "param" | "metric"; key: string; values: (string | number | undefined)[] };

export function CompareTable({ workspace, runs, colors }: { workspace: string; runs: Run[]; colors: string[] }) {
  const [onlyDiff, setOnlyDiff] = useState(false);
  const rows: Row[] = [
    ...unionKeys(runs.map((r) => r.params)).map((key): Row => ({ section: "param", key, values: runs.map((r) => r.params[key]) })),
    ...unionKeys(runs.map((r) => r.metrics)).map((key): Row => ({ section: "metric", key, values: runs.map((r) => r.metrics[key]) })),
  ];
  const shown = onlyDiff ? rows.filter((r) => differs(r.values)) : rows;
  return (
    <div>
      <label className="inline small toolbar">
        <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} />
        only rows that differ
      </label>
      <div className="table-scroll">
        <table className="grid compare-table" data-testid="compare-table">
          <thead>
            <tr>
              <th />
              {runs.map((r, i) => (
                <th key={r.name} data-run={r.name}>
                  <span className="swatch" style={{ background: colors[i] }} />
                  <Link to={jobPath(workspace, r.name)}>{runLabel(r)}</Link>{" "}
                  <StatusBadge status={r.status} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, i) => {
              const diff = differs(row.values);
              const first = i === 0 || shown[i - 1].section !== row.section;
              return (
                <tr key={`${row.section}.${row.key}`} data-key={`${row.section}.${row.key}`} className={first ? "section-start" : undefined}>
                  <th scope="row" className="mono">
                    <span className="muted small">{row.section === "param" ? "params." : "metrics."}</span>{row.key}
                  </th>
                  {row.values.map((v, j) => (
                    <td key={runs[j].name} className={`${typeof v === "number" ? "num" : "mono"}${diff ? " diff" : ""}`}>
                      {v == null ? <span className="muted">—</span> : typeof v === "number" ? formatNumber(v) : v}
                    </td>
                  ))}
                </tr>
              );
            })}
            {shown.length === 0 && (
              <tr><td colSpan={runs.length + 1} className="muted">{onlyDiff ? "Every value is the same." : "No params or metrics."}</td></tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
