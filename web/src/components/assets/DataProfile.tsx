// A tabular data version's column profile: type, counts, nulls, range, mean, top values.
import type { Schemas } from "../../api/client";
import { Empty } from "../Feedback";
import { formatNumber } from "../../lib/format";

type Scalar = boolean | number | string | null | undefined;

function scalar(v: Scalar): string {
  if (v == null) return "—";
  return typeof v === "number" ? formatNumber(v) : String(v);
}

export function DataProfile({ profile }: { profile: Schemas["DataProfile"] | null | undefined }) {
  if (!profile) {
    return (
      <Empty title="No profile">
        Only tabular data (CSV, TSV, Parquet, JSON lines, MLTable) is profiled, and only by a server
        with the data extra: <code>pip install 'basalt[data]'</code>.
      </Empty>
    );
  }
  const columns = profile.columns ?? [];
  return (
    <div data-testid="data-profile">
      <p className="muted small">
        {formatNumber(profile.rows)} rows profiled{profile.sampled ? " (a sample: the table has more)" : ""},{" "}
        {columns.length} columns.
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>Column</th><th>Type</th><th className="num">Count</th><th className="num">Nulls</th>
            <th className="num">Distinct</th><th className="num">Min</th><th className="num">Max</th>
            <th className="num">Mean</th><th>Top values</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => (
            <tr key={c.name} data-column={c.name}>
              <td className="mono">{c.name}</td>
              <td className="mono">{c.type}</td>
              <td className="num">{formatNumber(c.count)}</td>
              <td className={c.nulls > 0 ? "num asset-nulls" : "num"}>{formatNumber(c.nulls)}</td>
              <td className="num">{scalar(c.distinct)}</td>
              <td className="num">{scalar(c.min)}</td>
              <td className="num">{scalar(c.max)}</td>
              <td className="num">{scalar(c.mean)}</td>
              <td className="small">
                {(c.top ?? []).map((t) => `${t.value} (${t.count})`).join(", ") || <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FirstRows columns={columns.map((c) => c.name)} head={profile.head ?? []} />
    </div>
  );
}

/** The first rows, kept with the profile at registration (versions profiled before have none). */
function FirstRows({ columns, head }: { columns: string[]; head: Scalar[][] }) {
  if (head.length === 0) return null;
  return (
    <>
      <h3>First {head.length} rows</h3>
      <div className="table-scroll">
        <table className="grid" data-testid="data-head">
          <thead><tr>{columns.map((c) => <th key={c} className="mono">{c}</th>)}</tr></thead>
          <tbody>
            {head.map((row, i) => (
              <tr key={i}>{row.map((v, j) => <td key={j} className={typeof v === "number" ? "num" : undefined}>{scalar(v)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
