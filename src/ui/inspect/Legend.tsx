import type { ColourMapName } from '../../state/inspect-store';
import { cssGradient, FADE_FROM } from './colormap';

/** What the heatmap colours mean: the same scale for every image, anchored on the threshold. */
export function HeatLegend({ colourMap, threshold, low }: { colourMap: ColourMapName; threshold: number | null; low: number | null }) {
  return (
    <figure className="legend" aria-label="Heatmap colour legend" data-testid="heat-legend">
      <div className="legend-bar" style={{ background: cssGradient(colourMap) }}>
        <span className="legend-tick" style={{ left: '50%' }} aria-hidden="true" />
      </div>
      <div className="legend-labels small">
        <span>0 · {low === null ? 'lowest normal' : `${low.toPrecision(3)} (lowest normal)`}</span>
        <span>0.5 · threshold{threshold === null ? '' : ` ${threshold.toPrecision(4)}`}</span>
        <span>1 · far above</span>
      </div>
      <figcaption className="small muted">
        Colours are normalised scores of each pixel (0.5 = the threshold in use), the same scale for every image: the same colour means the same distance from normal. Below {FADE_FROM} (well within normal) the heatmap fades out. The white line outlines the defect regions: the patches scoring at or above the threshold (a failing image always has one, even where the smoothed colours stay below 0.5).
      </figcaption>
    </figure>
  );
}
