/**
 * Zoom, pan and swipe on an image stage (pointer events, so mouse, pen and touch alike): the wheel zooms around the
 * pointer, two pointers pinch, one pointer pans a zoomed image, and a quick horizontal swipe on an image at fit size
 * moves to the previous or next image. The view is clamped so the image always covers the stage.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type React from 'react';

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 8;

export interface View {
  zoom: number;
  x: number;
  y: number;
}
export const HOME: View = { zoom: 1, x: 0, y: 0 };

/** A horizontal move at least this long (px), and twice as long as it is tall, is a swipe. */
const SWIPE_PX = 60;

export function clampView(v: View): View {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom));
  // Keep the image covering the viewport: pan limited to what zoom adds.
  const lim = (zoom - 1) / 2;
  return { zoom, x: Math.min(lim, Math.max(-lim, v.x)), y: Math.min(lim, Math.max(-lim, v.y)) };
}

/** -1 (swiped right: previous), 1 (swiped left: next) or 0, from a pointer's start and end. */
export function swipeDirection(dx: number, dy: number): -1 | 0 | 1 {
  if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < 2 * Math.abs(dy)) return 0;
  return dx < 0 ? 1 : -1;
}

/** The stage's view and handlers; the view goes back to fit when `resetKey` (the image shown) changes. */
export function useStageView(onSwipe: (direction: -1 | 1) => void, resetKey: unknown) {
  const [view, setView] = useState<View>(HOME);
  const [shown, setShown] = useState(resetKey);
  if (shown !== resetKey) {
    setShown(resetKey);
    setView(HOME);
  }
  const swipe = useRef(onSwipe);
  useEffect(() => {
    swipe.current = onSwipe;
  }, [onSwipe]);
  const stageRef = useRef<HTMLDivElement>(null);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const start = useRef<{ x: number; y: number; zoom: number } | null>(null);
  const pinch = useRef<{ dist: number; zoom: number } | null>(null);
  const zoomBy = useCallback((f: number) => setView((v) => clampView({ ...v, zoom: v.zoom * f })), []);

  // Wheel zoom around the pointer; non-passive so the page does not scroll.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = stage.getBoundingClientRect();
      const px = (e.clientX - r.left) / r.width - 0.5;
      const py = (e.clientY - r.top) / r.height - 0.5;
      const f = Math.exp(-e.deltaY * 0.0015);
      setView((v) => {
        const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * f));
        const k = zoom / v.zoom;
        // Keep the image point under the pointer in place.
        return clampView({ zoom, x: px - (px - v.x) * k, y: py - (py - v.y) * k });
      });
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (e: React.PointerEvent) => {
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    start.current = pointers.current.size === 1 ? { x: e.clientX, y: e.clientY, zoom: view.zoom } : null;
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()];
      pinch.current = { dist: Math.hypot(a.x - b.x, a.y - b.y), zoom: view.zoom };
    }
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const prev = pointers.current.get(e.pointerId);
    if (!prev) return;
    const now = { x: e.clientX, y: e.clientY };
    pointers.current.set(e.pointerId, now);
    if (pointers.current.size === 2 && pinch.current) {
      const [a, b] = [...pointers.current.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y);
      const z = pinch.current.zoom * (dist / Math.max(1, pinch.current.dist));
      setView((v) => clampView({ ...v, zoom: z }));
    } else if (pointers.current.size === 1) {
      const size = stageRef.current?.getBoundingClientRect().width || 1;
      setView((v) => clampView({ ...v, x: v.x + (now.x - prev.x) / size, y: v.y + (now.y - prev.y) / size }));
    }
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const from = start.current;
    const single = pointers.current.size === 1 && pointers.current.has(e.pointerId);
    pointers.current.delete(e.pointerId);
    if (pointers.current.size < 2) pinch.current = null;
    start.current = null;
    // A swipe only on an image at fit size (a zoomed image pans instead).
    if (e.type === 'pointerup' && single && from && from.zoom <= MIN_ZOOM) {
      const dir = swipeDirection(e.clientX - from.x, e.clientY - from.y);
      if (dir) swipe.current(dir);
    }
  };

  return { view, setView, stageRef, zoomBy, handlers: { onPointerDown, onPointerMove, onPointerUp, onPointerCancel: onPointerUp } };
}
