// Chart settings shared by the job's metrics tab and the compare page, kept in the URL.
import { useEffect, useState } from "react";
import type { XAxis } from "../../lib/metrics";
import { useSearchParam } from "./useSearchParam";

export type ChartSettings = { xAxis: XAxis; smoothing: number; logY: boolean };

export function useChartSettings(): [ChartSettings, { setX: (x: XAxis) => void; setSmoothing: (s: number) => void; setLog: (l: boolean) => void }] {
  const [x, setX] = useSearchParam("x", "step");
  const [smooth, setSmooth] = useSearchParam("smooth", "0");
  const [log, setLog] = useSearchParam("log", "0");
  const smoothing = Math.min(Math.max(Number(smooth) || 0, 0), 0.99);
  return [
    { xAxis: x === "time" ? "time" : "step", smoothing, logY: log === "1" },
    {
      setX: (v) => setX(v),
      setSmoothing: (s) => setSmooth(s === 0 ? "0" : s.toFixed(2)),
      setLog: (l) => setLog(l ? "1" : "0"),
    },
  ];
}

export function MetricControls() {
  const [s, set] = useChartSettings();
  // The slider moves a draft; the URL follows once it rests (browsers throttle history writes).
  const [draft, setDraft] = useState(s.smoothing);
  useEffect(() => setDraft(s.smoothing), [s.smoothing]);
  useEffect(() => {
    if (draft === s.smoothing) return;
    const t = setTimeout(() => set.setSmoothing(draft), 150);
    return () => clearTimeout(t);
  }, [draft]); // only the draft: the setter is new every render
  return (
    <div className="toolbar metric-controls" data-testid="metric-controls">
      <label className="inline">
        x axis
        <select value={s.xAxis} onChange={(e) => set.setX(e.target.value as XAxis)} aria-label="x axis">
          <option value="step">step</option>
          <option value="time">time</option>
        </select>
      </label>
      <label className="inline">
        smoothing
        <input type="range" min={0} max={0.99} step={0.01} value={draft} aria-label="smoothing"
          onChange={(e) => setDraft(Number(e.target.value))} />
        <span className="mono small">{draft.toFixed(2)}</span>
      </label>
      <label className="inline">
        <input type="checkbox" checked={s.logY} onChange={(e) => set.setLog(e.target.checked)} />
        log scale
      </label>
    </div>
  );
}
