/**
 * `snapshot.jpg`: a real JPEG that names its node (bitmap font on a colour
 * chosen from the node's index), shows the time, a sweeping bar that moves
 * every second, a red dot while recording and a white frame while identifying.
 * Rendered on demand and cached for the current second, so idle nodes cost nothing.
 */
import jpeg from 'jpeg-js';
import type { CameraModel } from './device-model.ts';
import { drawText, fillRect, textWidth } from './font.ts';

const W = 320;
const H = 180;

/** Background colour of node number `index`: hues spread by the golden angle. */
export function nodeColor(index: number): [number, number, number] {
  const hue = (index * 137.508) % 360;
  return hslToRgb(hue, 0.55, 0.32);
}

/** A per-node cache of the last rendered frame. */
export interface SnapshotCache {
  key: string;
  jpeg: Buffer;
}

/** The current frame of a camera as JPEG bytes (cached per second and state). */
export function renderSnapshot(opts: { cam: CameraModel; name: string; index: number; now: number; cache?: SnapshotCache | null }): SnapshotCache {
  const { cam, name, index, now } = opts;
  const second = Math.floor(now / 1000);
  const identifying = cam.identifyUntil > now;
  const key = `${second}|${cam.state}|${identifying}`;
  if (opts.cache && opts.cache.key === key) return opts.cache;

  const rgba = drawFrame({ cam, name, index, now, width: W, height: H, barX: ((second % 16) * W) / 16 });
  const out = jpeg.encode({ width: W, height: H, data: rgba }, 70);
  return { key, jpeg: out.data };
}

/**
 * Draw one frame of a camera as RGBA pixels: node colour, name, clock, a sweeping
 * bar at `barX`, the recording dot, the error text and the identify frame. Shared
 * by the snapshot and the live preview, which sizes it and moves the bar per frame.
 */
export function drawFrame(opts: { cam: CameraModel; name: string; index: number; now: number; width: number; height: number; barX: number }): Uint8Array {
  const { cam, name, index, now, width: W, height: H, barX } = opts;
  const k = W / 320;
  const identifying = cam.identifyUntil > now;
  const rgba = new Uint8Array(W * H * 4);
  fillRect({ rgba, w: W, h: H, x: 0, y: 0, rw: W, rh: H, rgb: nodeColor(index) });
  const white: [number, number, number] = [240, 240, 240];
  const label = name.toUpperCase();
  const big = Math.max(1, Math.round(4 * k));
  const scale = textWidth(label, big) <= W - 20 * k ? big : Math.max(1, Math.round(2 * k));
  drawText({ rgba, w: W, h: H, text: label, x: (W - textWidth(label, scale)) / 2, y: Math.round(40 * k), scale, rgb: white });
  const clock = new Date(now).toISOString().slice(11, 19);
  const small = Math.max(1, Math.round(2 * k));
  drawText({ rgba, w: W, h: H, text: clock, x: (W - textWidth(clock, small)) / 2, y: Math.round(100 * k), scale: small, rgb: white });
  // A bar sweeping across the bottom: the picture visibly changes.
  fillRect({ rgba, w: W, h: H, x: Math.round(barX), y: H - Math.round(24 * k), rw: Math.round(W / 16), rh: Math.round(12 * k), rgb: [250, 200, 40] });
  if (cam.state === 'recording') fillRect({ rgba, w: W, h: H, x: W - Math.round(28 * k), y: Math.round(10 * k), rw: Math.round(16 * k), rh: Math.round(16 * k), rgb: [230, 30, 30] });
  if (cam.state === 'error') drawText({ rgba, w: W, h: H, text: 'ERROR', x: 10, y: 10, scale: small, rgb: [255, 80, 80] });
  if (identifying) {
    const t = Math.max(2, Math.round(6 * k));
    for (const [x, y, rw, rh] of [[0, 0, W, t], [0, H - t, W, t], [0, 0, t, H], [W - t, 0, t, H]] as const) {
      fillRect({ rgba, w: W, h: H, x, y, rw, rh, rgb: [255, 255, 255] });
    }
  }
  return rgba;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
