import { memo, useMemo } from 'react';
import type { EpochReport, StepReport } from '../../engine/tocoad/trainer';
import { niceTicks } from './ticks';

/**
 * Live loss curves, drawn as plain SVG paths. Not recharts (used by the other views): recharts 3 re-renders
 * synchronously through its internal store on every data change, 55-80 ms per update on this 2-core machine
 * when idle and 175-320 ms while SwiftShader keeps the cores busy, which broke the no-long-task budget of a
 * training run; a path per series costs a few milliseconds.
 */
interface Series {
  name: string;
  colour: string;
  width: number;
  values: (number | undefined)[];
}

const W = 520;
const H = 200;
const M = { left: 52, right: 12, top: 10, bottom: 30 };
/** Tick labels with the decimals their spacing needs (0.05 apart: 0.10, 0.05, 0.00). */
function tickFormat(step: number): (v: number) => string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return decimals > 4 ? (v) => v.toExponential(1) : (v) => v.toFixed(decimals);
}

function Curve({ xs, series, label }: { xs: number[]; series: Series[]; label: string }) {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  if (xs.length === 0 || values.length === 0) return <svg className="train-curve" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} />;
  const xLo = xs[0];
  const xHi = Math.max(xs[xs.length - 1], xLo + 1);
  let yLo = Math.min(...values);
  let yHi = Math.max(...values);
  if (yHi - yLo < 1e-9) {
    const pad = Math.abs(yHi) * 0.1 || 0.1;
    yLo -= pad;
    yHi += pad;
  }
  const yTicks = niceTicks(yLo, yHi, 4);
  yLo = Math.min(yLo, yTicks[0]);
  yHi = Math.max(yHi, yTicks[yTicks.length - 1]);
  const fmt = tickFormat(yTicks.length > 1 ? yTicks[1] - yTicks[0] : Math.abs(yTicks[0]) || 1);
  const xTicks = niceTicks(xLo, xHi, 5).filter((t) => Number.isInteger(t) && t >= xLo && t <= xHi);
  const px = (x: number) => M.left + ((x - xLo) / (xHi - xLo)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - yLo) / (yHi - yLo)) * (H - M.top - M.bottom);
  const dots = xs.length <= 40;
  return (
    <svg className="train-curve" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <g className="train-curve-grid">
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={W - M.right} y1={py(t)} y2={py(t)} />
            <text x={M.left - 6} y={py(t)} dy="0.32em" textAnchor="end">
              {fmt(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={px(t)} y={H - M.bottom + 16} textAnchor="middle">
            {t}
          </text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 2} textAnchor="middle">
          step
        </text>
      </g>
      {series.map((s) => {
        const pts = xs.map((x, i) => [x, s.values[i]] as const).filter((p): p is readonly [number, number] => p[1] !== undefined && Number.isFinite(p[1]));
        const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
        return (
          <g key={s.name} data-series={s.name} data-points={pts.length}>
            <path d={d} fill="none" stroke={s.colour} strokeWidth={s.width} />
            {dots &&
              pts.map(([x, y]) => (
                <circle key={x} cx={px(x)} cy={py(y)} r={3} fill="#fff" stroke={s.colour} strokeWidth={1.5}>
                  <title>{`${s.name} ${y.toPrecision(4)} at step ${x}`}</title>
                </circle>
              ))}
          </g>
        );
      })}
    </svg>
  );
}

/** Re-rendered only when its own stage's steps or last epoch change. */
const Chart = memo(
  function Chart({ stage, steps, last }: { stage: 1 | 2; steps: StepReport[]; last: EpochReport | undefined }) {
    const title = stage === 1 ? 'Stage I: discriminator loss L_dis (focal)' : 'Stage II: L = λ·L_sym + (1 − λ)·L_neg';
    const xs = steps.map((s) => (s.epoch - 1) * s.steps + s.step);
    const series: Series[] =
      stage === 1
        ? [{ name: 'L_dis', colour: '#2563eb', width: 2, values: steps.map((s) => s.loss) }]
        : [
            { name: 'L', colour: '#111827', width: 2, values: steps.map((s) => s.loss) },
            { name: 'L_sym', colour: '#7c3aed', width: 1.5, values: steps.map((s) => s.lossSym) },
            { name: 'L_neg', colour: '#dc2626', width: 1.5, values: steps.map((s) => s.lossNeg) },
          ];
    return (
      <div className="chart" data-testid={`train-loss-stage${stage}`} data-points={steps.length}>
        <h3>{title}</h3>
        <p className="small train-legend">
          {series.map((s) => (
            <span key={s.name}>
              <span className="train-swatch" style={{ background: s.colour }} /> {s.name}
            </span>
          ))}
        </p>
        <div className="train-chart-box">
          {steps.length === 0 && <p className="small muted train-chart-empty">{stage === 1 ? 'Starts with the run.' : 'Starts after stage I.'}</p>}
          <Curve xs={xs} series={series} label={`${title}, ${steps.length} steps`} />
        </div>
        {last && (
          <p className="small muted" data-testid={`train-epoch-stage${stage}`} data-epoch={last.epoch} data-loss={last.loss}>
            Epoch {last.epoch}/{last.epochs}: mean {stage === 1 ? 'L_dis' : 'L'} {last.loss.toPrecision(4)}
            {stage === 2 && last.lossSym !== undefined && ` (L_sym ${last.lossSym.toPrecision(4)}, L_neg ${last.lossNeg!.toPrecision(4)})`}, lr {last.lr.toPrecision(2)}, {last.seconds.toFixed(1)} s
          </p>
        )}
      </div>
    );
  },
  (a, b) => a.stage === b.stage && a.last === b.last && a.steps.length === b.steps.length && a.steps[a.steps.length - 1] === b.steps[b.steps.length - 1],
);

/** Live loss curves of both stages, one point per optimiser step (numbered through the stage); the last epoch's means below. */
export const LossCharts = memo(function LossCharts({ steps, history }: { steps: readonly StepReport[]; history: readonly EpochReport[] }) {
  const one = useMemo(() => steps.filter((s) => s.stage === 1), [steps]);
  const two = useMemo(() => steps.filter((s) => s.stage === 2), [steps]);
  const last = (stage: 1 | 2) => [...history].reverse().find((e) => e.stage === stage);
  return (
    <div className="train-charts">
      <Chart stage={1} steps={one} last={last(1)} />
      <Chart stage={2} steps={two} last={last(2)} />
    </div>
  );
});
