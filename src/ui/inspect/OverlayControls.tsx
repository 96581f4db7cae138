/** The heatmap's settings in the detail view (shared by every image): on/off, region outline, opacity, colour map. */
import { setOverlay } from '../../state/inspect-actions';
import type { ColourMapName, OverlaySettings } from '../../state/inspect-store';
import { COLOUR_MAPS } from './colormap';

export function OverlayControls({ overlay }: { overlay: OverlaySettings }) {
  return (
    <fieldset className="overlay-controls">
      <legend>Heatmap</legend>
      <label className="check">
        <input type="checkbox" checked={overlay.show} onChange={(e) => setOverlay({ show: e.target.checked })} data-testid="overlay-toggle" />
        Show heatmap (H)
      </label>
      <label className="check">
        <input type="checkbox" checked={overlay.contour} onChange={(e) => setOverlay({ contour: e.target.checked })} data-testid="contour-toggle" />
        Outline defect regions (C)
      </label>
      <label>
        Opacity {Math.round(overlay.opacity * 100)}%
        <input type="range" min={0} max={1} step={0.05} value={overlay.opacity} onChange={(e) => setOverlay({ opacity: Number(e.target.value) })} aria-label="Heatmap opacity" data-testid="overlay-opacity" />
      </label>
      <label>
        Colour map
        <select value={overlay.colourMap} onChange={(e) => setOverlay({ colourMap: e.target.value as ColourMapName })} data-testid="overlay-colourmap">
          {COLOUR_MAPS.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}
