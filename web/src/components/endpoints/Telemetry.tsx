// Per-deployment serving telemetry: requests per minute, p50/p99 latency, and the window's totals.
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { formatNumber } from "../../lib/format";
import { perMinute } from "../../lib/traffic";
import { ErrorBox, Loading } from "../Feedback";
import { KeyValues } from "../KeyValues";
import { LineChart } from "../LineChart";

const WINDOWS: Record<string, number> = { "1h": 1, "6h": 6, "24h": 24, "7d": 24 * 7 };

/** The window in the URL (?window=), so a pasted link shows the same span. */
function useWindow(): [string, (w: string) => void] {
  const [params, setParams] = useSearchParams();
  const w = params.get("window");
  const current = w && w in WINDOWS ? w : "1h";
  return [current, (next) => {
    const p = new URLSearchParams(params);
    p.set("window", next);
    setParams(p, { replace: true });
  }];
}

export function Telemetry({ workspace, endpoint, deployments }: {
  workspace: string; endpoint: string; deployments: string[];
}) {
  const [win, setWin] = useWindow();
  return (
    <div className="telemetry">
      <div className="toolbar">
        <label className="inline">
          <span>Window</span>
          <select value={win} onChange={(e) => setWin(e.target.value)} data-testid="telemetry-window">
            {Object.keys(WINDOWS).map((w) => <option key={w} value={w}>last {w}</option>)}
          </select>
        </label>
        <span className="muted small">One point per minute; refreshed every 30 s.</span>
      </div>
      {deployments.map((d) => (
        <DeploymentTelemetry key={d} workspace={workspace} endpoint={endpoint} deployment={d} hours={WINDOWS[win]} />
      ))}
    </div>
  );
}

function DeploymentTelemetry({ workspace, endpoint, deployment, hours }: {
  workspace: string; endpoint: string; deployment: string; hours: number;
}) {
  const metrics = useQuery({
    queryKey: ["online-endpoints", workspace, endpoint, "metrics", deployment, hours],
    queryFn: () => {
      const until = new Date();
      const since = new Date(until.getTime() - hours * 3600_000);
      return unwrap(api.GET("/api/v1/workspaces/{workspace}/online-endpoints/{endpoint}/deployments/{name}/metrics", {
        params: { path: { workspace, endpoint, name: deployment }, query: { since: since.toISOString(), until: until.toISOString() } },
      }));
    },
    refetchInterval: 30_000,
  });
  return (
    <section className="card telemetry-deployment" data-deployment={deployment}>
      <h2>{deployment}</h2>
      {metrics.isPending && <Loading what="Loading metrics" />}
      <ErrorBox error={metrics.error} />
      {metrics.data && <MetricsView metrics={metrics.data} />}
    </section>
  );
}

function MetricsView({ metrics }: { metrics: Schemas["DeploymentMetrics"] }) {
  const series = useMemo(() => perMinute(metrics.points ?? [], metrics.since, metrics.until), [metrics]);
  const requests = useMemo(() => [
    { label: "requests", x: series.x, y: series.requests },
    { label: "errors (5xx)", x: series.x, y: series.errors },
  ], [series]);
  const latency = useMemo(() => [
    { label: "p50 ms", x: series.x, y: series.p50 },
    { label: "p99 ms", x: series.x, y: series.p99 },
  ], [series]);
  const total = metrics.total;
  if (!total || total.requests === 0) {
    return <p className="muted">No requests in this window. Send one from the Test tab, or with <code>basalt online-endpoint invoke</code>.</p>;
  }
  return (
    <>
      <Totals total={total} />
      <div className="charts">
        <div data-testid="telemetry-chart"><h3>Requests per minute</h3><LineChart series={requests} xTime height={200} /></div>
        <div data-testid="telemetry-chart"><h3>Latency (ms)</h3>
          {series.p50.filter((v) => v != null).length > 1
            ? <LineChart series={latency} xTime height={200} />
            : <p className="muted small">Only one minute of this window had requests, too few for a line; its latency is in the totals above.</p>}
        </div>
      </div>
    </>
  );
}

function Totals({ total }: { total: Schemas["MetricsPoint"] }) {
  const ms = (v: number | null | undefined) => (v == null ? "—" : `${formatNumber(v)} ms`);
  const statuses = Object.entries(total.status_counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const mirror = total.mirror;
  return (
    <div className="totals" data-testid="telemetry-totals">
      <Stat label="Requests" value={formatNumber(total.requests)} />
      <Stat label="Errors (5xx)" value={formatNumber(total.errors)} />
      <Stat label="p50" value={ms(total.latency_ms_p50)} />
      <Stat label="p90" value={ms(total.latency_ms_p90)} />
      <Stat label="p99" value={ms(total.latency_ms_p99)} />
      <Stat label="Mean" value={ms(total.latency_ms_mean)} />
      {total.worker_restarts > 0 && <Stat label="Worker restarts" value={formatNumber(total.worker_restarts)} />}
      {statuses.length > 0 && (
        <div className="stat-box"><div className="muted small">By status</div>
          <div className="small">{statuses.map(([code, n]) => `${code}: ${n}`).join(" · ")}</div></div>
      )}
      {mirror && mirror.requests > 0 && (
        <div className="stat-box wide" data-testid="mirror-agreement">
          <div className="muted small">Mirror agreement</div>
          <KeyValues rows={[
            ["agreement", mirror.agreement_rate == null ? "—" : `${formatNumber(mirror.agreement_rate * 100)}%`],
            ["compared", `${mirror.agreed} of ${mirror.requests} agreed`],
            ["shadow errors", formatNumber(mirror.errors)],
            ["latency vs live", mirror.latency_delta_ms_mean == null ? "—" : `${mirror.latency_delta_ms_mean > 0 ? "+" : ""}${formatNumber(mirror.latency_delta_ms_mean)} ms`],
          ]} />
        </div>
      )}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return <div className="stat-box"><div className="muted small">{label}</div><div className="stat-value">{value}</div></div>;
}
