// The metrics tab: one chart per metric key of a run, refreshed while the run is live.
import { useMemo } from "react";
import type { Run } from "../../api/types";
import { metricLines } from "../../lib/metrics";
import { formatNumber } from "../../lib/format";
import { Code, Empty, ErrorBox, Loading } from "../Feedback";
import { LineChart } from "../LineChart";
import { MetricControls, useChartSettings } from "./MetricControls";
import { isTerminal, useMetric } from "./runs";

export function MetricCharts({ workspace, run }: { workspace: string; run: Run }) {
  const keys = Object.keys(run.metrics).sort((a, b) => a.localeCompare(b));
  if (keys.length === 0) {
    return (
      <Empty title="No metrics logged">
        Log some from the job's code: <Code>basalt.log_metric("loss", 0.5, step=1)</Code> (or <Code>mlflow.log_metric</Code>).
      </Empty>
    );
  }
  return (
    <>
      <MetricControls />
      <div className="charts" data-testid="metric-charts">
        {keys.map((k) => (
          <MetricCard key={k} workspace={workspace} run={run.name} metricKey={k} latest={run.metrics[k]}
            live={!isTerminal(run.status)} />
        ))}
      </div>
    </>
  );
}

function MetricCard({ workspace, run, metricKey, latest, live }: {
  workspace: string; run: string; metricKey: string; latest: number; live: boolean;
}) {
  const q = useMetric(workspace, run, metricKey, live);
  const [s] = useChartSettings();
  const series = useMemo(
    () => (q.data ? metricLines(metricKey, q.data, s.xAxis, s.smoothing, s.logY) : []),
    [q.data, metricKey, s.xAxis, s.smoothing, s.logY],
  );
  return (
    <div className="card metric-card" data-testid={`metric-chart-${metricKey}`}>
      <div className="metric-card-head">
        <h3 className="mono">{metricKey}</h3>
        <span className="muted small">latest <span className="num">{formatNumber(latest)}</span></span>
      </div>
      {q.isPending ? <Loading what="Loading points" /> : q.error ? <ErrorBox error={q.error} /> : (
        <>
          <LineChart series={series} xTime={s.xAxis === "time"} logY={s.logY} />
          {q.data.values.length === 1 && (
            <div className="muted small">One point: {formatNumber(q.data.values[0])} at step {q.data.steps[0]}.</div>
          )}
          {q.data.downsampled && (
            <div className="muted small">
              {q.data.values.length.toLocaleString()} of {q.data.total_points.toLocaleString()} points (min and max of each bucket)
            </div>
          )}
        </>
      )}
    </div>
  );
}
