/**
 * The Live view's canvas work: the latest anomaly map drawn over the video (on a canvas of the video's own pixel
 * size, coloured on the profile's threshold scale), the PNG snapshot of video, overlay and a verdict band, and the
 * frozen camera frame alone (no overlay) as a PNG file, to teach a profile.
 */
import type { ProfileMeta } from '../../engine/profile/profile';
import { downloadBlob } from '../../state/download';
import type { LiveFrame } from '../../state/live-actions';
import { bannerScore, verdictWord } from '../shell/format';
import { mapRect, paintHeatmap } from './overlay';

/** Draws the frame's map over the video; without a threshold, half the map's maximum stands in for one. */
export function drawLiveOverlay(canvas: HTMLCanvasElement, video: HTMLVideoElement, r: LiveFrame, meta: ProfileMeta): void {
  const w = video.videoWidth || 640;
  const h = video.videoHeight || 480;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, w, h);
  const threshold = meta.threshold.value;
  if (threshold === null) paintHeatmap(ctx, r.map, r.size, mapRect(0, 0, w, h), r.map.reduce((a, b) => Math.max(a, b), 0) / 2 || 1, []);
  else paintHeatmap(ctx, r.map, r.size, mapRect(0, 0, w, h), threshold, meta.calibrationScores);
}

/** Saves video + overlay as a PNG, with the verdict and the time in a band across the top. */
export function downloadSnapshot(video: HTMLVideoElement, overlay: HTMLCanvasElement, result: LiveFrame | null): void {
  const w = video.videoWidth || overlay.width;
  const h = video.videoHeight || overlay.height;
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d')!;
  ctx.drawImage(video, 0, 0, w, h);
  ctx.drawImage(overlay, 0, 0, w, h);
  if (result) {
    const text = `${verdictWord(result.verdict, 'SCORE')} ${bannerScore(result)}`;
    const band = Math.round(h * 0.12);
    ctx.fillStyle = result.verdict === 'fail' ? 'rgba(185,28,28,0.9)' : result.verdict === 'pass' ? 'rgba(21,128,61,0.9)' : 'rgba(40,40,40,0.9)';
    ctx.fillRect(0, 0, w, band);
    ctx.fillStyle = '#fff';
    ctx.font = `bold ${Math.round(band * 0.6)}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    ctx.fillText(text, band * 0.3, band / 2);
    ctx.font = `${Math.round(band * 0.25)}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.fillText(new Date().toLocaleString(), w - band * 0.3, band / 2);
  }
  c.toBlob((blob) => {
    if (!blob) return;
    downloadBlob(blob, `inspection-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
  }, 'image/png');
}

/** The video's current frame alone (no overlay, no band) at its own size, as a PNG file named by the time. */
export function frameToPngFile(video: HTMLVideoElement): Promise<File> {
  const c = document.createElement('canvas');
  c.width = video.videoWidth;
  c.height = video.videoHeight;
  if (!c.width || !c.height) return Promise.reject(new Error('no camera frame to save'));
  c.getContext('2d')!.drawImage(video, 0, 0, c.width, c.height);
  const name = `live-frame-${new Date().toISOString().replace(/[:.]/g, '-')}.png`;
  return new Promise((resolve, reject) =>
    c.toBlob((blob) => (blob ? resolve(new File([blob], name, { type: 'image/png' })) : reject(new Error('the frame could not be encoded as PNG'))), 'image/png'),
  );
}
