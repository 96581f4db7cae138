import { downloadBlob } from '../../state/download';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { cancelBench, runBench } from '../../state/actions';
import { useAppStore } from '../../state/app-store';
import type { BenchReport } from '../../state/app-store';
import { FileDrop } from '../shell/FileDrop';
import { ProgressBar } from '../shell/ProgressBar';

const STAGES = ['decode', 'preprocess', 'backbone', 'embedding', 'search', 'map'] as const;
const COLOURS = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#dc2626', '#0891b2'];

function runLabel(r: BenchReport, i: number): string {
  return `#${i + 1} ${r.backend}${r.wasm_threads ? ` ×${r.wasm_threads}` : ''}`;
}

function download(reports: BenchReport[]): void {
  const blob = new Blob([JSON.stringify(reports, null, 2) + '\n'], { type: 'application/json' });
  downloadBlob(blob, `anomaly-inspector-bench-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
}

/** The per-stage benchmark on the running backend: table, bar chart, JSON download. */
export function BenchPanel() {
  const [files, setFiles] = useState<File[]>([]);
  const bench = useAppStore((s) => s.bench);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const busy = useAppStore((s) => s.build.running);
  const reports = bench.reports;
  const chartData = [...STAGES.map((stage) => ({ stage, ...Object.fromEntries(reports.map((r, i) => [runLabel(r, i), r.ms_per_image[stage]])) }))];
  return (
    <section className="card" aria-labelledby="bench-title" data-testid="bench-panel">
      <h2 id="bench-title">Benchmark</h2>
      <p className="small muted">Per-stage timings of the PatchCore pipeline on the current compute backend (same program as `npm run cli -- bench`). Switch the backend and run again to compare.</p>
      <FileDrop label="Benchmark images" hint="A few normal images (5-20)." accept="image/*" multiple disabled={bench.running} onFiles={setFiles} testId="bench-files" folder={{ label: 'Choose a folder', testId: 'bench-folder' }}>
        <span className="small">{files.length ? `${files.length} images` : 'No images chosen'}</span>
      </FileDrop>
      <div className="actions">
        <button type="button" className="primary" data-testid="bench-run" disabled={!ready || busy || bench.running || files.length === 0} onClick={() => void runBench(files)}>
          Run benchmark
        </button>
        {bench.running && (
          <button type="button" onClick={cancelBench}>
            Cancel benchmark
          </button>
        )}
        <button type="button" disabled={reports.length === 0} onClick={() => download(reports)} data-testid="bench-download">
          Download JSON
        </button>
      </div>
      {bench.running && <ProgressBar progress={bench.progress} label="Benchmark progress" testId="bench-progress" />}
      {reports.length > 0 && (
        <>
          <div className="table-wrap">
            <table data-testid="bench-table">
              <caption className="small muted">Milliseconds per image, except the coreset and fit (whole set)</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Images</th>
                  {STAGES.map((s) => (
                    <th scope="col" key={s}>
                      {s}
                    </th>
                  ))}
                  <th scope="col">Inference / image</th>
                  <th scope="col">Coreset</th>
                  <th scope="col">Fit</th>
                  <th scope="col">Model load</th>
                </tr>
              </thead>
              <tbody>
                {reports.map((r, i) => (
                  <tr key={r.at} data-testid="bench-row" data-backend={r.backend}>
                    <th scope="row" title={r.backend_reason}>
                      {runLabel(r, i)}
                    </th>
                    <td>{r.images}</td>
                    {STAGES.map((s) => (
                      <td key={s}>{r.ms_per_image[s].toFixed(1)}</td>
                    ))}
                    <td>{r.infer_ms_per_image.toFixed(0)}</td>
                    <td>
                      {r.coreset_ms.toFixed(0)} ({r.coreset_on})
                    </td>
                    <td>{r.fit_ms.toFixed(0)}</td>
                    <td>{r.model_load_ms.toFixed(0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="chart" data-testid="bench-chart" aria-label="Milliseconds per image by stage">
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={chartData} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="stage" />
                <YAxis label={{ value: 'ms / image', angle: -90, position: 'insideLeft' }} />
                <Tooltip formatter={(v) => `${Number(v).toFixed(1)} ms`} />
                <Legend />
                {reports.map((r, i) => (
                  <Bar key={r.at} dataKey={runLabel(r, i)} fill={COLOURS[i % COLOURS.length]} isAnimationActive={false} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
    </section>
  );
}
