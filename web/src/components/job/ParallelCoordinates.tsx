// Parallel coordinates in plain SVG: one vertical axis per numeric param or metric, one line per
// run (a run without a value on an axis leaves a gap there).
import { useState } from "react";
import { formatNumber } from "../../lib/format";
import { axisValue, parallelAxes, type RunValues } from "../../lib/metrics";

const W = 960;
const H = 300;
const PAD = { top: 40, bottom: 28, side: 80 };

export function ParallelCoordinates({ runs, colors, labels }: {
  runs: RunValues[]; colors: string[]; labels: string[];
}) {
  const [hover, setHover] = useState<number | null>(null);
  const axes = parallelAxes(runs);
  if (axes.length < 2) {
    return <p className="muted">Parallel coordinates need two numeric params or metrics that at least two runs have.</p>;
  }
  const step = (W - 2 * PAD.side) / (axes.length - 1);
  const ax = (i: number) => PAD.side + i * step;
  const ay = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);

  const pathOf = (run: RunValues) => {
    let d = "";
    let pen = false;
    axes.forEach((a, i) => {
      const v = axisValue(run, a.key);
      if (v == null) { pen = false; return; }
      d += `${pen ? "L" : "M"}${ax(i).toFixed(1)},${ay(a.pos(v)).toFixed(1)}`;
      pen = true;
    });
    return d;
  };

  return (
    <svg className="parallel-coordinates" data-testid="parallel-coordinates" viewBox={`0 0 ${W} ${H}`}
      role="img" aria-label="Parallel coordinates of the runs' params and metrics" data-axes={axes.length} data-lines={runs.length}>
      {axes.map((a, i) => (
        <g key={a.key} className="pc-axis">
          <line x1={ax(i)} x2={ax(i)} y1={PAD.top} y2={H - PAD.bottom} />
          <text x={ax(i)} y={PAD.top - 22} textAnchor="middle" className="pc-label">
            <title>{a.key}</title>{a.label.length > 18 ? a.label.slice(0, 17) + "…" : a.label}
          </text>
          <text x={ax(i)} y={PAD.top - 8} textAnchor="middle" className="pc-tick">{formatNumber(a.max)}</text>
          <text x={ax(i)} y={H - PAD.bottom + 16} textAnchor="middle" className="pc-tick">{formatNumber(a.min)}</text>
        </g>
      ))}
      {runs.map((r, i) => (
        <path key={r.name} d={pathOf(r)} stroke={colors[i]} data-run={r.name}
          className={hover == null ? "pc-line" : hover === i ? "pc-line pc-hover" : "pc-line pc-dim"}
          onMouseEnter={() => setHover(i)} onMouseLeave={() => setHover(null)}>
          <title>{labels[i]}</title>
        </path>
      ))}
    </svg>
  );
}
