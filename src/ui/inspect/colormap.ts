/**
 * Heatmap colours. Map values are normalised with the profile's threshold (the same formula as the
 * normalised score: 0 = lowest held-out normal score, 0.5 = threshold, 1 = as far above the threshold
 * as the threshold is above that lowest normal), so one colour means one thing across images.
 */
import { scoreScale } from '../../engine/profile/verdict';
import type { ColourMapName } from '../../state/inspect-store';
export const COLOUR_MAPS: { id: ColourMapName; label: string }[] = [
  { id: 'turbo', label: 'Turbo' },
  { id: 'inferno', label: 'Inferno' },
  { id: 'reds', label: 'Reds' },
];

type Stop = [number, number, number, number];
const STOPS: Record<ColourMapName, Stop[]> = {
  turbo: [
    [0, 48, 18, 59],
    [0.15, 70, 107, 227],
    [0.3, 40, 188, 235],
    [0.45, 50, 242, 152],
    [0.5, 164, 252, 60],
    [0.65, 237, 208, 58],
    [0.8, 251, 128, 34],
    [1, 122, 4, 3],
  ],
  inferno: [
    [0, 0, 0, 4],
    [0.25, 87, 16, 110],
    [0.5, 188, 55, 84],
    [0.75, 249, 142, 9],
    [1, 252, 255, 164],
  ],
  reds: [
    [0, 255, 255, 255],
    [0.5, 252, 146, 114],
    [1, 103, 0, 13],
  ],
};

/** RGB of `t` in [0, 1] (clamped) on the named colour map. */
export function colourAt(name: ColourMapName, t: number): [number, number, number] {
  const stops = STOPS[name];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  for (let i = 1; i < stops.length; i++) {
    const [p1, ...c1] = stops[i];
    const [p0, ...c0] = stops[i - 1];
    if (x <= p1) {
      const f = p1 === p0 ? 0 : (x - p0) / (p1 - p0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + (c1[k] - c0[k]) * f)) as [number, number, number];
    }
  }
  const last = stops[stops.length - 1];
  return [last[1], last[2], last[3]];
}

/** 256 RGB entries of a colour map, for per-pixel lookups. */
export function colourLut(name: ColourMapName): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(colourAt(name, i / 255), i * 3);
  return lut;
}

/** CSS gradient of a colour map (for the legend). */
export function cssGradient(name: ColourMapName): string {
  const parts = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = colourAt(name, i / 10);
    return `rgb(${r} ${g} ${b}) ${i * 10}%`;
  });
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/** Normalised values below FADE_FROM are transparent; alpha ramps up to full `opacity` at FADE_TO. */
export const FADE_FROM = 0.15;
const FADE_TO = 0.45;

/**
 * The heatmap as RGBA: each value normalised with the threshold, coloured, drawn with `opacity`.
 * Clearly normal values fade out (see FADE_FROM/FADE_TO) so the part stays visible where nothing is
 * wrong; the fade depends on the normalised value only, so it too means the same in every image.
 */
export function heatmapRgba(map: Float32Array, threshold: number, calibration: readonly number[], name: ColourMapName, opacity: number, out?: Uint8ClampedArray): Uint8ClampedArray {
  const rgba = out ?? new Uint8ClampedArray(map.length * 4);
  const lut = colourLut(name);
  const scale = scoreScale(threshold, calibration);
  const a = 255 * Math.min(1, Math.max(0, opacity));
  for (let i = 0; i < map.length; i++) {
    const t = scale(map[i]);
    const k = Math.round(t * 255) * 3;
    rgba[i * 4] = lut[k];
    rgba[i * 4 + 1] = lut[k + 1];
    rgba[i * 4 + 2] = lut[k + 2];
    rgba[i * 4 + 3] = Math.round(a * Math.min(1, Math.max(0, (t - FADE_FROM) / (FADE_TO - FADE_FROM))));
  }
  return rgba;
}
