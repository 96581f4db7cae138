import { memo, useEffect, useRef } from 'react';
import type { SampleSet, TrainSample } from '../../state/train-store';

/** RGB bytes, or a 0/1 mask drawn white on black, onto a canvas of the sample's size. */
function draw(canvas: HTMLCanvasElement, s: TrainSample, what: 'image' | 'mask'): void {
  canvas.width = s.width;
  canvas.height = s.height;
  // A canvas kept on the CPU: during a WebGPU run the GPU process is busy training, and an accelerated canvas would
  // wait for it on the page's thread.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  const img = ctx.createImageData(s.width, s.height);
  const rgb = new Uint8Array(s.rgb);
  const mask = new Uint8Array(s.mask);
  for (let p = 0; p < s.width * s.height; p++) {
    const m = mask[p] ? 255 : 0;
    img.data[p * 4] = what === 'image' ? rgb[p * 3] : m;
    img.data[p * 4 + 1] = what === 'image' ? rgb[p * 3 + 1] : m;
    img.data[p * 4 + 2] = what === 'image' ? rgb[p * 3 + 2] : m;
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function Sample({ sample }: { sample: TrainSample }) {
  const image = useRef<HTMLCanvasElement>(null);
  const mask = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (image.current) draw(image.current, sample, 'image');
    if (mask.current) draw(mask.current, sample, 'mask');
  }, [sample]);
  const covered = new Uint8Array(sample.mask).reduce((n, v) => n + v, 0) / (sample.width * sample.height);
  return (
    <figure className="train-sample" data-testid="train-sample" data-anomalous={String(sample.anomalous)} data-coverage={covered.toFixed(4)}>
      <div className="train-sample-pair">
        <canvas ref={image} aria-label={`synthetic anomaly made from ${sample.name}`} />
        <canvas ref={mask} aria-label={`its mask (${(covered * 100).toFixed(1)} % anomalous)`} />
      </div>
      <figcaption className="small muted" title={sample.name}>
        {sample.anomalous ? `anomaly, ${(covered * 100).toFixed(1)} %` : 'left normal'} · {sample.name}
      </figcaption>
    </figure>
  );
}

/** The synthetic anomalies (image and mask) the trainer uses at the start of each stage. */
export const SampleStrip = memo(function SampleStrip({ sets }: { sets: readonly SampleSet[] }) {
  if (sets.length === 0) return null;
  return (
    <div className="train-samples" data-testid="train-samples">
      {[...sets]
        .sort((a, b) => a.stage - b.stage)
        .map((set) => (
          <div key={set.stage} data-testid={`train-samples-stage${set.stage}`}>
            <h3>
              Generated anomalies, stage {set.stage === 1 ? 'I' : 'II'} (epoch {set.epoch}): image and mask
            </h3>
            <div className="train-sample-row">
              {set.samples.map((s, i) => (
                <Sample key={`${set.stage}-${set.epoch}-${i}`} sample={s} />
              ))}
            </div>
          </div>
        ))}
    </div>
  );
});
