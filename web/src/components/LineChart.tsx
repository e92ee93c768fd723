// Line charts on uPlot: canvas drawing that stays fast at hundreds of thousands of points.
// Series with different x values are aligned with uPlot.join (gaps are spanned), so runs
// logged at different steps overlay on one chart.
import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export type Series = { label: string; x: ArrayLike<number>; y: ArrayLike<number | null> };

export const PALETTE = [
  "#3b6fd4", "#d9822b", "#2a9d6f", "#c23b5a", "#7d5bc7", "#8a7a2b", "#1f9bb4", "#b35c9e",
  "#5b7083", "#d4523b",
];

type Props = {
  series: Series[];
  height?: number;
  xLabel?: string;
  /** x values are Unix seconds: the axis shows dates. */
  xTime?: boolean;
  logY?: boolean;
  title?: string;
};

export function LineChart({ series, height = 220, xLabel = "step", xTime = false, logY = false, title }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const data = useMemo(() => {
    if (series.length === 0) return null;
    const tables = series.map((s) => [Array.from(s.x), Array.from(s.y)] as uPlot.AlignedData);
    return series.length === 1 ? tables[0] : uPlot.join(tables);
  }, [series]);

  useEffect(() => {
    const el = box.current;
    if (!el || !data) return;
    // Dots where lines alone would show little or nothing (a metric logged once or twice).
    const sparse = series.every((s) => s.x.length < 30);
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      title,
      scales: {
        x: { time: xTime },
        y: logY ? { distr: 3 } : {},
      },
      axes: [{ label: xTime ? undefined : xLabel, stroke: "#667" }, { stroke: "#667", size: 60 }],
      series: [
        { label: xTime ? "time" : xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: true,
          points: { show: sparse, size: 6 },
        })),
      ],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
    };
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, series, height, xLabel, xTime, logY, title]);

  if (!data) return <div className="muted">No points.</div>;
  return <div className="chart" ref={box} data-series={series.length} />;
}
