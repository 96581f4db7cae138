// Procedural "industrial part" images for the demo dataset: a machined steel flange seen from above on a dark
// conveyor belt, with optional defects and their exact masks. Everything is computed in code (no third-party
// images), deterministically per seed, in plain TypeScript with no DOM or Node built-ins, so the same function
// runs in the app's Web Worker and in the CLI. Edges are anti-aliased analytically from signed distances.
import type { GrayImage, RgbImage } from '../image/types';
import { hashGauss, hashUnit, mixSeed, mulberry32, periodicNoise1, valueNoise1, valueNoise2 } from './noise';

/** The defects {@link renderPart} can draw ('none' draws a good part). */
export type DefectType = 'none' | 'scratch' | 'crack' | 'stain' | 'missing' | 'dent';

/** Every defect type, in the order the demo dataset lists them. */
export const DEFECT_TYPES: readonly Exclude<DefectType, 'none'>[] = ['scratch', 'crack', 'stain', 'missing', 'dent'];

export interface RenderPartOptions {
  /** Any integer: the same seed gives the same part (position, rotation, finish, noise). */
  seed: number;
  /** Width and height in pixels (default 256). */
  size?: number;
  /** Default 'none'. A defect reuses the seed's good part and changes only the defect's pixels (and, for a missing chunk, the shadow it no longer casts). */
  defect?: DefectType;
}

export interface RenderedPart {
  image: RgbImage;
  /** 255 on defect pixels, 0 elsewhere; all zero for 'none'. */
  mask: GrayImage;
  defect: DefectType;
}

const TAU = Math.PI * 2;
const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const smoothstep = (a: number, b: number, v: number) => {
  const t = clamp01((v - a) / (b - a));
  return t * t * (3 - 2 * t);
};
/** Angle wrapped to [-PI, PI]. */
const wrapAngle = (a: number) => a - TAU * Math.round(a / TAU);

/** The part's geometry and finish for one seed, in pixels. */
interface Part {
  size: number;
  k: number;
  cx: number;
  cy: number;
  rot: number;
  outer: number;
  chamfer: number;
  hub: number;
  fillet: number;
  bore: number;
  boreChamfer: number;
  keyW: number;
  keyD: number;
  boltCircle: number;
  boltR: number;
  holeChamfer: number;
  boltN: number;
  /** Light azimuth (image coordinates, y down) and the unit light and half vectors. */
  az: number;
  L: [number, number, number];
  H: [number, number, number];
  brightness: number;
  texSeed: number;
  beltSeed: number;
  noiseSeed: number;
}

function makePart(seed: number, size: number): Part {
  const random = mulberry32(mixSeed(seed, 1));
  const k = size / 256;
  const jitter = 3 * k;
  const az = -2.36 + (random() - 0.5) * 0.3;
  const el = 0.8 + (random() - 0.5) * 0.1;
  const L: [number, number, number] = [Math.cos(az) * Math.cos(el), Math.sin(az) * Math.cos(el), Math.sin(el)];
  const hn = Math.hypot(L[0], L[1], L[2] + 1);
  const H: [number, number, number] = [L[0] / hn, L[1] / hn, (L[2] + 1) / hn];
  return {
    size,
    k,
    cx: size / 2 + (random() * 2 - 1) * jitter,
    cy: size / 2 + (random() * 2 - 1) * jitter,
    rot: random() * TAU,
    outer: 98 * k,
    chamfer: 4.5 * k,
    hub: 50 * k,
    fillet: 2.4 * k,
    bore: 27 * k,
    boreChamfer: 2.2 * k,
    keyW: 9 * k,
    keyD: 5.5 * k,
    boltCircle: 74 * k,
    boltR: 9.5 * k,
    holeChamfer: 1.8 * k,
    boltN: 6,
    az,
    L,
    H,
    brightness: 0.94 + random() * 0.12,
    texSeed: mixSeed(seed, 2),
    beltSeed: mixSeed(seed, 3),
    noiseSeed: mixSeed(seed, 4),
  };
}

/** Centre of bolt hole `i` in image coordinates. */
function holeCentre(p: Part, i: number): [number, number] {
  const a = p.rot + (i * TAU) / p.boltN;
  return [p.cx + p.boltCircle * Math.cos(a), p.cy + p.boltCircle * Math.sin(a)];
}

/** Signed distance (pixels, negative inside the metal) to the intact part's outline. */
function partSdf(p: Part, x: number, y: number): number {
  const dx = x - p.cx;
  const dy = y - p.cy;
  const r = Math.sqrt(dx * dx + dy * dy);
  let sdf = Math.max(r - p.outer, p.bore - r);
  const step = TAU / p.boltN;
  const hi = Math.round(wrapAngle(Math.atan2(dy, dx) - p.rot) / step);
  const ha = p.rot + hi * step;
  const dh = Math.hypot(x - p.cx - p.boltCircle * Math.cos(ha), y - p.cy - p.boltCircle * Math.sin(ha));
  sdf = Math.max(sdf, p.boltR - dh);
  const c = Math.cos(p.rot);
  const s = Math.sin(p.rot);
  const u = dx * c + dy * s;
  const v = -dx * s + dy * c;
  const keySdf = Math.max(Math.abs(v) - p.keyW / 2, u - (p.bore + p.keyD), -u);
  return Math.max(sdf, -keySdf);
}

// ---------------------------------------------------------------------------------------------------------------
// Defect descriptions (drawn from their own random stream, so the good part of the same seed is untouched).

/** A polyline with a width per vertex. */
interface Stroke {
  xs: number[];
  ys: number[];
  ws: number[];
}

interface LineDefect {
  kind: 'scratch' | 'crack';
  strokes: Stroke[];
  /** 'dark' multiplies the colour down, 'bright' lifts it towards white. */
  tone: 'dark' | 'bright';
  strength: number;
}

interface StainDefect {
  kind: 'stain';
  x: number;
  y: number;
  radius: number;
  tint: [number, number, number];
  seed: number;
}

interface MissingDefect {
  kind: 'missing';
  x: number;
  y: number;
  radius: number;
  seed: number;
  fracture: number;
}

interface DentDefect {
  kind: 'dent';
  x: number;
  y: number;
  radius: number;
  depth: number;
}

type Defect = LineDefect | StainDefect | MissingDefect | DentDefect;

/** A random point on the flat face (between the hub and the outer chamfer), at least `clearance` px from every edge and bolt hole. */
function facePoint(p: Part, random: () => number, clearance: number): [number, number] {
  const rMin = p.hub + p.fillet + clearance;
  const rMax = p.outer - p.chamfer - clearance;
  let best: [number, number] = [p.cx + (rMin + rMax) / 2, p.cy];
  for (let attempt = 0; attempt < 200; attempt++) {
    const a = random() * TAU;
    const r = rMin + random() * Math.max(0, rMax - rMin);
    const x = p.cx + r * Math.cos(a);
    const y = p.cy + r * Math.sin(a);
    best = [x, y];
    let ok = true;
    for (let i = 0; i < p.boltN && ok; i++) {
      const [hx, hy] = holeCentre(p, i);
      if (Math.hypot(x - hx, y - hy) < p.boltR + p.holeChamfer + clearance) ok = false;
    }
    if (ok) return best;
  }
  return best;
}

function makeScratch(p: Part, random: () => number): LineDefect {
  const k = p.k;
  for (let attempt = 0; ; attempt++) {
    const [mx, my] = facePoint(p, random, 2 * k);
    const len = (30 + random() * 32) * k;
    const dir = random() * TAU;
    const bend = (random() - 0.5) * 0.3 * len;
    const ux = Math.cos(dir);
    const uy = Math.sin(dir);
    const x0 = mx - (ux * len) / 2;
    const y0 = my - (uy * len) / 2;
    const x2 = mx + (ux * len) / 2;
    const y2 = my + (uy * len) / 2;
    // Both ends on the metal, away from the rim.
    if ((partSdf(p, x0, y0) > -3 * k || partSdf(p, x2, y2) > -3 * k) && attempt < 100) continue;
    const x1 = mx - uy * bend;
    const y1 = my + ux * bend;
    const width = (1.3 + random() * 0.9) * k;
    const n = 20;
    const stroke: Stroke = { xs: [], ys: [], ws: [] };
    for (let i = 0; i <= n; i++) {
      const t = i / n;
      const a = (1 - t) * (1 - t);
      const b = 2 * (1 - t) * t;
      const c = t * t;
      stroke.xs.push(a * x0 + b * x1 + c * x2);
      stroke.ys.push(a * y0 + b * y1 + c * y2);
      // Tapered ends, a little uneven along the length.
      stroke.ws.push(width * Math.pow(Math.sin(Math.PI * (0.04 + 0.92 * t)), 0.35) * (0.8 + 0.4 * random()));
    }
    const tone = random() < 0.5 ? 'dark' : 'bright';
    return { kind: 'scratch', strokes: [stroke], tone, strength: tone === 'dark' ? 0.6 + random() * 0.15 : 0.55 + random() * 0.15 };
  }
}

/** A jagged walk from (x, y) along `heading` for `length` px, stopping at the metal's edge. */
function crackWalk(p: Part, random: () => number, x: number, y: number, heading: number, length: number, w0: number, w1: number): Stroke {
  const stepLen = 1.6 * p.k;
  const steps = Math.max(2, Math.round(length / stepLen));
  const stroke: Stroke = { xs: [x], ys: [y], ws: [w0] };
  let h = heading;
  for (let i = 1; i <= steps; i++) {
    h += (random() - 0.5) * 0.9 + (heading - h) * 0.25;
    x += Math.cos(h) * stepLen;
    y += Math.sin(h) * stepLen;
    if (partSdf(p, x, y) > -0.3 * p.k) break;
    stroke.xs.push(x);
    stroke.ys.push(y);
    stroke.ws.push(w0 + (w1 - w0) * (i / steps));
  }
  return stroke;
}

function makeCrack(p: Part, random: () => number): LineDefect {
  const k = p.k;
  for (let attempt = 0; ; attempt++) {
    let x: number;
    let y: number;
    let heading: number;
    if (random() < 0.5) {
      // From a bolt hole's edge, away from the hole: towards the hub or round the bolt circle (outwards, the rim
      // is too close for a crack to show).
      const [hx, hy] = holeCentre(p, Math.floor(random() * p.boltN));
      const radial = Math.atan2(hy - p.cy, hx - p.cx);
      const a = radial + [Math.PI, Math.PI / 2, -Math.PI / 2][Math.floor(random() * 3)] + (random() - 0.5) * 0.9;
      x = hx + (p.boltR + 0.3 * k) * Math.cos(a);
      y = hy + (p.boltR + 0.3 * k) * Math.sin(a);
      heading = a;
    } else {
      // From the outer rim, inwards.
      const a = random() * TAU;
      x = p.cx + (p.outer - 0.3 * k) * Math.cos(a);
      y = p.cy + (p.outer - 0.3 * k) * Math.sin(a);
      heading = a + Math.PI + (random() - 0.5) * 0.8;
    }
    const length = (24 + random() * 18) * k;
    const main = crackWalk(p, random, x, y, heading, length, 1.9 * k, 0.6 * k);
    if (main.xs.length < 14 && attempt < 100) continue;
    const strokes = [main];
    const branches = 1 + Math.floor(random() * 2);
    for (let b = 0; b < branches; b++) {
      const at = Math.floor(main.xs.length * (0.3 + random() * 0.45));
      const sign = random() < 0.5 ? -1 : 1;
      const dirHere = Math.atan2(main.ys[at] - main.ys[at - 1], main.xs[at] - main.xs[at - 1]);
      const br = crackWalk(p, random, main.xs[at], main.ys[at], dirHere + sign * (0.5 + random() * 0.5), length * (0.3 + random() * 0.3), main.ws[at] * 0.8, 0.5 * k);
      if (br.xs.length >= 3) strokes.push(br);
    }
    return { kind: 'crack', strokes, tone: 'dark', strength: 0.78 + random() * 0.1 };
  }
}

function makeDefect(p: Part, defect: DefectType, seed: number): Defect | null {
  if (defect === 'none') return null;
  const random = mulberry32(mixSeed(seed, 100 + DEFECT_TYPES.indexOf(defect)));
  const k = p.k;
  switch (defect) {
    case 'scratch':
      return makeScratch(p, random);
    case 'crack':
      return makeCrack(p, random);
    case 'stain': {
      const radius = (8 + random() * 6) * k;
      const [x, y] = facePoint(p, random, radius * 0.5);
      const tints: [number, number, number][] = [
        [0.86, 0.52, 0.28], // rust
        [0.52, 0.44, 0.36], // dark oil
        [0.92, 0.74, 0.45], // dried coolant, yellowish brown
      ];
      return { kind: 'stain', x, y, radius, tint: tints[Math.floor(random() * tints.length)], seed: mixSeed(seed, 7) };
    }
    case 'missing': {
      const a = random() * TAU;
      const radius = (11 + random() * 6) * k;
      const dist = p.outer + radius * 0.2;
      return { kind: 'missing', x: p.cx + dist * Math.cos(a), y: p.cy + dist * Math.sin(a), radius, seed: mixSeed(seed, 8), fracture: 2.4 * k };
    }
    case 'dent': {
      const radius = (9 + random() * 4) * k;
      const [x, y] = facePoint(p, random, radius * 0.9);
      return { kind: 'dent', x, y, radius, depth: radius * (0.38 + random() * 0.1) };
    }
  }
}

/** Signed distance to a missing chunk's jagged outline (negative inside the chunk). */
function chipSdf(m: MissingDefect, x: number, y: number): number {
  const dx = x - m.x;
  const dy = y - m.y;
  const t = (Math.atan2(dy, dx) + Math.PI) / TAU;
  const rr = m.radius * (1 + 0.13 * periodicNoise1(t * 9, 9, m.seed) + 0.06 * periodicNoise1(t * 23, 23, m.seed + 1));
  return Math.sqrt(dx * dx + dy * dy) - rr;
}

// ---------------------------------------------------------------------------------------------------------------

/** Radial tool-mark profile of a turned surface, sampled every 1/4 px and box-filtered to the pixel size. */
function radialProfile(maxR: number, k: number, seed: number, fine: number, mid: number, coarse: number): Float32Array {
  const n = Math.ceil(maxR * 4) + 8;
  const raw = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = i / 4;
    raw[i] = fine * valueNoise1(r / (0.9 * k), seed) + mid * valueNoise1(r / (3.2 * k), seed + 11) + coarse * valueNoise1(r / (14 * k), seed + 23);
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (raw[Math.max(0, i - 2)] + raw[Math.max(0, i - 1)] + raw[i] + raw[Math.min(n - 1, i + 1)]) / 4;
  return out;
}

/** Linear interpolation in a {@link radialProfile} table. */
function profileAt(prof: Float32Array, r: number): number {
  const f = r * 4;
  const i = Math.min(prof.length - 2, Math.max(0, Math.floor(f)));
  const t = f - i;
  return prof[i] + (prof[i + 1] - prof[i]) * t;
}

/** Blinn-Phong style shading of a metal surface with normal (nx, ny, nz) and albedo `alb`; `light` holds L then H. */
function shade(light: Float64Array, nx: number, ny: number, nz: number, alb: number, ks: number, shin: number): number {
  const ndl = Math.max(0, nx * light[0] + ny * light[1] + nz * light[2]);
  const ndh = Math.max(0, nx * light[3] + ny * light[4] + nz * light[5]);
  return alb * (0.32 + 0.78 * ndl) + ks * Math.pow(ndh, shin);
}

/** A signed-distance field at a fractional position, bilinear (far outside beyond the image). */
function sdfAt(field: Float32Array, size: number, x: number, y: number): number {
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  if (x0 < 0 || y0 < 0 || x0 + 1 >= size || y0 + 1 >= size) return 1e3;
  const tx = fx - x0;
  const ty = fy - y0;
  const i = y0 * size + x0;
  const a = field[i] + (field[i + 1] - field[i]) * tx;
  const b = field[i + size] + (field[i + size + 1] - field[i + size]) * tx;
  return a + (b - a) * ty;
}

/** Renders one part; see {@link RenderPartOptions}. */
export function renderPart(options: RenderPartOptions): RenderedPart {
  const size = options.size ?? 256;
  if (!Number.isInteger(size) || size < 32 || size > 4096) throw new Error(`renderPart: size must be an integer in [32, 4096], got ${size}`);
  const defectType: DefectType = options.defect ?? 'none';
  if (defectType !== 'none' && !DEFECT_TYPES.includes(defectType)) throw new Error(`renderPart: unknown defect "${defectType}"`);
  const seed = options.seed | 0;
  const p = makePart(seed, size);
  const defect = makeDefect(p, defectType, seed);
  const holeX = new Float64Array(p.boltN);
  const holeY = new Float64Array(p.boltN);
  for (let i = 0; i < p.boltN; i++) [holeX[i], holeY[i]] = holeCentre(p, i);
  const scene: Scene = {
    p,
    missing: defect?.kind === 'missing' ? defect : null,
    dent: defect?.kind === 'dent' ? defect : null,
    holeX,
    holeY,
    mask: new Uint8Array(size * size),
  };
  // Each pass is its own function, so the JIT optimises its loop on its own (a first render is then fast too).
  const { sdf, nearestHole } = geometryPass(scene);
  const { rgb, metalCov } = shadePass(scene, sdf, nearestHole);
  if (defect?.kind === 'scratch' || defect?.kind === 'crack') drawStrokes(defect, rgb, metalCov, scene.mask, size);
  else if (defect?.kind === 'stain') drawStain(defect, rgb, metalCov, scene.mask, size, p.k);
  const data = sensorPass(rgb, size, p.noiseSeed);
  return { image: { width: size, height: size, data }, mask: { width: size, height: size, data: scene.mask }, defect: defectType };
}

/** What the passes share: the part, its defect's geometry (when it changes the surface) and the mask being drawn. */
interface Scene {
  p: Part;
  missing: MissingDefect | null;
  dent: DentDefect | null;
  holeX: Float64Array;
  holeY: Float64Array;
  mask: Uint8Array;
}

/** The part's signed distance at every pixel centre (with the missing chunk cut out) and each pixel's nearest bolt hole. */
function geometryPass(scene: Scene): { sdf: Float32Array; nearestHole: Uint8Array } {
  const { p, missing, holeX, holeY, mask } = scene;
  const size = p.size;
  const n = size * size;
  const cosRot = Math.cos(p.rot);
  const sinRot = Math.sin(p.rot);
  const sdfField = new Float32Array(n);
  const nearestHole = new Uint8Array(n);
  for (let py = 0; py < size; py++) {
    const Y = py + 0.5;
    for (let px = 0; px < size; px++) {
      const X = px + 0.5;
      const idx = py * size + px;
      const dx = X - p.cx;
      const dy = Y - p.cy;
      const r = Math.sqrt(dx * dx + dy * dy);
      let best = 0;
      let bestD2 = Infinity;
      for (let i = 0; i < p.boltN; i++) {
        const hx = X - holeX[i];
        const hy = Y - holeY[i];
        const d2 = hx * hx + hy * hy;
        if (d2 < bestD2) {
          bestD2 = d2;
          best = i;
        }
      }
      nearestHole[idx] = best;
      const u = dx * cosRot + dy * sinRot;
      const v = -dx * sinRot + dy * cosRot;
      const keySdf = Math.max(Math.abs(v) - p.keyW / 2, u - (p.bore + p.keyD), -u);
      let sdf = Math.max(r - p.outer, p.bore - r, p.boltR - Math.sqrt(bestD2), -keySdf);
      if (missing && r > p.outer - 3 * missing.radius) {
        const cut = Math.max(sdf, -chipSdf(missing, X, Y));
        if (clamp01(0.5 - sdf) - clamp01(0.5 - cut) > 0.3) mask[idx] = 255;
        sdf = cut;
      }
      sdfField[idx] = sdf;
    }
  }
  return { sdf: sdfField, nearestHole };
}

/** Shading: the metal (turned finish, chamfers, hub, dent, fracture), the belt with the part's shadows, the lighting field. */
function shadePass(scene: Scene, sdfField: Float32Array, nearestHole: Uint8Array): { rgb: Float32Array; metalCov: Float32Array } {
  const { p, missing, dent, holeX, holeY, mask: maskData } = scene;
  const size = p.size;
  const n = size * size;
  const k = p.k;
  const rgb = new Float32Array(n * 3);
  const metalCov = new Float32Array(n);
  const light = new Float64Array([...p.L, ...p.H]);
  const cosAz = Math.cos(p.az);
  const sinAz = Math.sin(p.az);
  const faceProfile = radialProfile(p.outer + 8 * k, k, p.texSeed, 1, 0.7, 0.8);
  const hubProfile = radialProfile(p.hub + 4 * k, k, p.texSeed + 101, 0.7, 0.4, 0.5);
  const shadowDx = -cosAz * 6 * k;
  const shadowDy = -sinAz * 6 * k;
  const hubShadowDx = -cosAz * 3 * k;
  const hubShadowDy = -sinAz * 3 * k;
  const half = size / 2;
  const angularCells = 40;
  const spokeK = 2 / (0.34 * 0.34);
  const hubSpokeK = 2 / 0.06;
  const s45 = Math.SQRT1_2;
  const dentR2 = dent ? dent.radius * dent.radius : 0;

  for (let py = 0; py < size; py++) {
    const Y = py + 0.5;
    for (let px = 0; px < size; px++) {
      const X = px + 0.5;
      const idx = py * size + px;
      const sdf = sdfField[idx];
      const cov = clamp01(0.5 - sdf);
      const dx = X - p.cx;
      const dy = Y - p.cy;

      // Illumination field: brighter towards the light, darker in the corners.
      const gx = (X - half) / half;
      const gy = (Y - half) / half;
      const illum = (1 + 0.07 * (gx * cosAz + gy * sinAz)) * (1 - 0.1 * (gx * gx + gy * gy));

      let mr = 0;
      let mg = 0;
      let mb = 0;
      if (cov > 0) {
        const r = Math.sqrt(dx * dx + dy * dy) + 1e-9;
        const cosT = dx / r;
        const sinT = dy / r;
        // cos of the angle to the light's azimuth: the turned finish shows a bright "spoke" along it (both ways).
        const cosD = cosT * cosAz + sinT * sinAz;
        let c: number;
        const wHub = clamp01(p.hub - r + 0.5);
        let face = 0;
        let tex = 0;
        if (wHub < 1) {
          // Flat face (turned finish) with the hub's shadow, and the dent when there is one.
          let nx = 0;
          let ny = 0;
          let nz = 1;
          let rTex = r;
          let cavity = 0;
          if (dent) {
            const ddx = X - dent.x;
            const ddy = Y - dent.y;
            const d2 = ddx * ddx + ddy * ddy;
            if (d2 < dentR2) {
              const q = 1 - d2 / dentR2;
              const hx = (4 * dent.depth * q * ddx) / dentR2;
              const hy = (4 * dent.depth * q * ddy) / dentR2;
              const nn = Math.sqrt(hx * hx + hy * hy + 1);
              nx = -hx / nn;
              ny = -hy / nn;
              nz = 1 / nn;
              rTex = r - dent.depth * q * q * 1.2;
              cavity = q * q;
              maskData[idx] = 255;
            }
          }
          tex = profileAt(faceProfile, rTex);
          const theta = Math.atan2(dy, dx);
          const ang = valueNoise2(rTex / (1.7 * k), ((theta + Math.PI) / TAU) * angularCells, p.texSeed + 7, angularCells);
          const spoke = Math.exp((cosD - 1) * spokeK) + 0.55 * Math.exp((-cosD - 1) * spokeK);
          const flat = Math.max(0, 1 - Math.max(Math.abs(nx), Math.abs(ny)) * 1.5);
          face = shade(light, nx, ny, nz, 168, 70, 24) + 9 * tex + 5 * ang + flat * spoke * (30 + 22 * tex) - 20 * cavity;
          if (r < p.hub + 6 * k) {
            const hsx = dx - hubShadowDx;
            const hsy = dy - hubShadowDy;
            const hubShadowD = Math.sqrt(hsx * hsx + hsy * hsy) - p.hub;
            face *= 1 - 0.28 * (1 - smoothstep(-2.5 * k, 2.5 * k, hubShadowD)) * clamp01(r - p.hub + 0.5);
          }
        }
        if (wHub > 0) {
          // Hub top (finer finish) and its rounded edge.
          const ft = clamp01((r - (p.hub - p.fillet)) / p.fillet);
          const tilt = ft * 1.05;
          const hubTex = profileAt(hubProfile, r);
          const hubSpoke = Math.exp((cosD - 1) * hubSpokeK) + 0.5 * Math.exp((-cosD - 1) * hubSpokeK);
          const st = Math.sin(tilt);
          const hubTop = shade(light, cosT * st, sinT * st, Math.cos(tilt), 176, 110, 30) + 6 * hubTex + (1 - ft) * hubSpoke * (40 + 18 * hubTex);
          c = face * (1 - wHub) + hubTop * wHub;
        } else c = face;

        // Chamfers: outer rim (facing out), bore (facing in), bolt holes (facing the hole's axis).
        const wOuter = clamp01(r - (p.outer - p.chamfer) + 0.5);
        if (wOuter > 0) c += (shade(light, cosT * s45, sinT * s45, s45, 160, 120, 18) + 4 * tex - c) * wOuter;
        const wBore = clamp01(p.bore + p.boreChamfer - r + 0.5);
        if (wBore > 0) c += (shade(light, -cosT * s45, -sinT * s45, s45, 160, 120, 18) - c) * wBore;
        const h = nearestHole[idx];
        const hdx = X - holeX[h];
        const hdy = Y - holeY[h];
        const dh = Math.sqrt(hdx * hdx + hdy * hdy) + 1e-9;
        const wHole = clamp01(p.boltR + p.holeChamfer - dh + 0.5);
        if (wHole > 0) c += (shade(light, (-hdx / dh) * s45, (-hdy / dh) * s45, s45, 160, 120, 18) - c) * wHole;

        // Fracture surface along a missing chunk: rough, matte, facing out of the chunk.
        if (missing) {
          const chip = chipSdf(missing, X, Y);
          if (chip < missing.fracture + 0.5) {
            const wf = clamp01(missing.fracture - chip + 0.5);
            const fdx = X - missing.x;
            const fdy = Y - missing.y;
            const fl = Math.sqrt(fdx * fdx + fdy * fdy) + 1e-9;
            const rough = hashUnit(px, py, missing.seed) - 0.5;
            const frac = shade(light, (-fdx / fl) * 0.8, (-fdy / fl) * 0.8, 0.6, 105, 20, 6) * (0.8 + 0.35 * rough);
            c += (frac - c) * wf;
            if (wf * cov > 0.3) maskData[idx] = 255;
          }
        }
        c *= p.brightness;
        mr = c * 0.96;
        mg = c * 0.985;
        mb = c * 1.03;
      }

      let br = 0;
      let bg = 0;
      let bb = 0;
      if (cov < 1) {
        // Conveyor belt: dark, fine-grained rubber with a faint weave, the part's soft shadow and contact shadow.
        const grain = valueNoise2(X / (1.3 * k), Y / (1.3 * k), p.beltSeed) * 0.09 + valueNoise2(X / (7 * k), Y / (7 * k), p.beltSeed + 5) * 0.07;
        const weave = 0.03 * Math.sin((X + Y) / (1.6 * k)) * Math.sin((X - Y) / (1.6 * k));
        let belt = 52 * (1 + grain + weave);
        belt *= 1 - 0.5 * (1 - smoothstep(-5 * k, 5 * k, sdfAt(sdfField, size, X - shadowDx, Y - shadowDy)));
        belt *= 1 - 0.35 * (1 - smoothstep(0, 3.5 * k, sdf));
        br = belt * 0.95;
        bg = belt;
        bb = belt * 1.02;
      }
      metalCov[idx] = cov;
      rgb[idx * 3] = (mr * cov + br * (1 - cov)) * illum;
      rgb[idx * 3 + 1] = (mg * cov + bg * (1 - cov)) * illum;
      rgb[idx * 3 + 2] = (mb * cov + bb * (1 - cov)) * illum;
    }
  }
  return { rgb, metalCov };
}

/** Sensor noise (mostly luminance, a little chroma), then 8 bits. */
function sensorPass(rgb: Float32Array, size: number, noiseSeed: number): Uint8Array {
  const n = size * size;
  const data = new Uint8Array(n * 3);
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      const i = py * size + px;
      const luma = 2.2 * hashGauss(px, py, noiseSeed);
      const chroma = hashUnit(px, py, noiseSeed + 1) - 0.5;
      data[i * 3] = clampByte(rgb[i * 3] + luma + chroma * 2);
      data[i * 3 + 1] = clampByte(rgb[i * 3 + 1] + luma);
      data[i * 3 + 2] = clampByte(rgb[i * 3 + 2] + luma - chroma * 2);
    }
  return data;
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Anti-aliased polylines (scratches, cracks) over the metal; the mask is where the line covers a pixel by > 25 %. */
function drawStrokes(d: LineDefect, rgb: Float32Array, metalCov: Float32Array, mask: Uint8Array, size: number): void {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const s of d.strokes)
    for (let i = 0; i < s.xs.length; i++) {
      x0 = Math.min(x0, s.xs[i] - s.ws[i] - 2);
      y0 = Math.min(y0, s.ys[i] - s.ws[i] - 2);
      x1 = Math.max(x1, s.xs[i] + s.ws[i] + 2);
      y1 = Math.max(y1, s.ys[i] + s.ws[i] + 2);
    }
  const bx0 = Math.max(0, Math.floor(x0));
  const by0 = Math.max(0, Math.floor(y0));
  const bx1 = Math.min(size - 1, Math.ceil(x1));
  const by1 = Math.min(size - 1, Math.ceil(y1));
  for (let py = by0; py <= by1; py++)
    for (let px = bx0; px <= bx1; px++) {
      const X = px + 0.5;
      const Y = py + 0.5;
      let cover = 0;
      for (const s of d.strokes)
        for (let i = 0; i + 1 < s.xs.length; i++) {
          const ax = s.xs[i];
          const ay = s.ys[i];
          const ex = s.xs[i + 1] - ax;
          const ey = s.ys[i + 1] - ay;
          const len2 = ex * ex + ey * ey;
          const t = len2 > 0 ? clamp01(((X - ax) * ex + (Y - ay) * ey) / len2) : 0;
          const qx = ax + ex * t - X;
          const qy = ay + ey * t - Y;
          const w = s.ws[i] + (s.ws[i + 1] - s.ws[i]) * t;
          const c = Math.min(clamp01(w / 2 + 0.5 - Math.sqrt(qx * qx + qy * qy)), w);
          if (c > cover) cover = c;
        }
      const idx = py * size + px;
      const a = cover * metalCov[idx];
      if (a <= 0) continue;
      for (let ch = 0; ch < 3; ch++) {
        const o = idx * 3 + ch;
        rgb[o] = d.tone === 'dark' ? rgb[o] * (1 - d.strength * a) : rgb[o] + (245 - rgb[o]) * d.strength * a;
      }
      if (a > 0.25) mask[idx] = 255;
    }
}

/** A discoloured blob with a jagged outline, a darker drying ring and a mottled inside. */
function drawStain(d: StainDefect, rgb: Float32Array, metalCov: Float32Array, mask: Uint8Array, size: number, k: number): void {
  const reach = d.radius * 1.35 + 3;
  const bx0 = Math.max(0, Math.floor(d.x - reach));
  const by0 = Math.max(0, Math.floor(d.y - reach));
  const bx1 = Math.min(size - 1, Math.ceil(d.x + reach));
  const by1 = Math.min(size - 1, Math.ceil(d.y + reach));
  for (let py = by0; py <= by1; py++)
    for (let px = bx0; px <= bx1; px++) {
      const X = px + 0.5;
      const Y = py + 0.5;
      const dx = X - d.x;
      const dy = Y - d.y;
      const t = (Math.atan2(dy, dx) + Math.PI) / TAU;
      const edge = d.radius * (1 + 0.22 * periodicNoise1(t * 7, 7, d.seed) + 0.08 * periodicNoise1(t * 19, 19, d.seed + 1));
      const e = Math.sqrt(dx * dx + dy * dy) - edge;
      const inside = clamp01(0.5 - e / (1.2 * k));
      if (inside <= 0) continue;
      const mottle = 0.7 + 0.3 * valueNoise2(X / (3 * k), Y / (3 * k), d.seed + 2);
      const ring = 0.35 * Math.exp(-(((e + 1.6 * k) / (1.2 * k)) ** 2));
      const idx = py * size + px;
      const a = clamp01(inside * (mottle + ring)) * metalCov[idx];
      if (a <= 0) continue;
      for (let ch = 0; ch < 3; ch++) {
        const o = idx * 3 + ch;
        rgb[o] *= 1 - a + a * d.tint[ch];
      }
      if (a > 0.25) mask[idx] = 255;
    }
}
