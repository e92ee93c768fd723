// Metrics overlaid: one chart per metric key any run has, one line per run, each run keeping
// its colour on every chart (a run without the key is an empty line, so colours stay put).
import { useMemo, useRef } from "react";
import { ema, toXY, type XY } from "../../lib/metrics";
import { ErrorBox, Loading } from "../Feedback";
import { LineChart } from "../LineChart";
import { useChartSettings, type ChartSettings } from "./MetricControls";
import type { MetricSeries, Run } from "../../api/types";
import { isTerminal, runLabel, useMetrics } from "./runs";

type Cell = { data?: MetricSeries; error: unknown; isPending: boolean };

export function CompareCharts({ workspace, runs, keys }: { workspace: string; runs: Run[]; keys: string[] }) {
  const [settings] = useChartSettings();
  const pairs = useMemo(
    () => keys.flatMap((key) => runs.filter((r) => key in r.metrics).map((r) => ({ run: r.name, key, live: !isTerminal(r.status) }))),
    [keys, runs],
  );
  const results = useMetrics(workspace, pairs);
  const byPair = new Map<string, Cell>(pairs.map((p, i) => [`${p.run}\u0000${p.key}`, results[i]]));
  return (
    <div className="charts" data-testid="compare-charts">
      {keys.map((key) => (
        <CompareChart key={key} metricKey={key} runs={runs} settings={settings}
          cells={runs.map((r) => byPair.get(`${r.name}\u0000${key}`))} />
      ))}
    </div>
  );
}

function CompareChart({ metricKey, runs, cells, settings }: {
  metricKey: string; runs: Run[]; cells: (Cell | undefined)[]; settings: ChartSettings;
}) {
  const datas = useShallowStable(cells.map((c) => c?.data));
  const series = useMemo(
    () => runs.map((r, i): XY => {
      const d = datas[i];
      if (!d) return { label: runLabel(r), x: [], y: [] };
      const { x, y } = toXY(d, settings.xAxis, settings.logY);
      // Overlaid runs: the smoothed line replaces the raw one, so one colour means one run.
      return { label: runLabel(r), x, y: settings.smoothing > 0 ? ema(y, settings.smoothing) : y };
    }),
    [runs, settings.xAxis, settings.logY, settings.smoothing, datas],
  );
  const pending = cells.some((c) => c?.isPending);
  const error = cells.find((c) => c?.error)?.error;
  return (
    <div className="card" data-testid={`compare-chart-${metricKey}`}>
      <h3 className="mono">{metricKey}</h3>
      {error != null && <ErrorBox error={error} />}
      {pending ? <Loading what="Loading points" />
        : datas.some((d) => d) && <LineChart series={series} xTime={settings.xAxis === "time"} logY={settings.logY} />}
    </div>
  );
}

/** The same array as last render while its items are the same (a new array is built each
 * render from the queries, but the chart must only be rebuilt when a series changed). */
function useShallowStable<T>(items: T[]): T[] {
  const ref = useRef(items);
  const prev = ref.current;
  if (prev.length !== items.length || items.some((v, i) => v !== prev[i])) ref.current = items;
  return ref.current;
}
