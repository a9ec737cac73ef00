/**
 * `GET /api/v1/preview.mjpeg` (contract v1.1): a live preview as
 * `multipart/x-mixed-replace` JPEG frames. The picture is the snapshot's
 * drawing, sized to the asked width, with the bar moving every frame so that
 * consecutive frames really differ. Frames are rendered once per device, size
 * and frame slot and shared by every viewer; a viewer that does not read is
 * skipped (never queued), and the path's fault applies to every frame.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import jpeg from 'jpeg-js';
import type { SimDevice } from './device.ts';
import { drawFrame } from './snapshot.ts';
import type { PathMode, SimPath } from './types.ts';

/** The preview's limits: the node caps what a viewer asks for. */
export const PREVIEW_LIMITS = { defaultFps: 10, minFps: 1, maxFps: 15, defaultWidth: 480, minWidth: 160, maxWidth: 960 };
/** The multipart boundary the simulator uses (any token is allowed by the contract). */
export const PREVIEW_BOUNDARY = 'rigmap-frame';
/** Bytes a stream may have waiting in its socket before frames are skipped for it. */
const MAX_PENDING = 256 * 1024;

interface Frame {
  key: string;
  jpeg: Buffer;
}
const frames = new WeakMap<SimDevice, Map<number, Frame>>();

/** `fps` and `width` from the query: missing → default, out of range → capped, not a number → null. */
export function previewParams(url: URL): { fps: number; width: number } | null {
  const read = (name: string, def: number, min: number, max: number): number | null => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return def;
    const n = Number(raw);
    if (!Number.isFinite(n)) return null;
    return Math.min(max, Math.max(min, Math.round(n)));
  };
  const L = PREVIEW_LIMITS;
  const fps = read('fps', L.defaultFps, L.minFps, L.maxFps);
  const width = read('width', L.defaultWidth, L.minWidth, L.maxWidth);
  return fps === null || width === null ? null : { fps, width: width - (width % 2) };
}

/** The frame of `device` at `now`, `width` wide (16:9), shared by every viewer in the same 50 ms slot. */
function frameOf(device: SimDevice, width: number, now: number): Buffer {
  const cam = device.cam!;
  let byWidth = frames.get(device);
  if (!byWidth) frames.set(device, (byWidth = new Map()));
  const key = `${Math.floor(now / 50)}|${cam.state}|${cam.identifyUntil > now}`;
  const cached = byWidth.get(width);
  if (cached && cached.key === key) return cached.jpeg;
  const height = Math.round((width * 9) / 16 / 2) * 2;
  // The bar crosses the picture in 1.6 s, so every frame at up to 15 fps moves it.
  const barX = ((now % 1600) / 1600) * width;
  const rgba = drawFrame({ cam, name: device.spec.name, index: device.spec.index, now, width, height, barX });
  const out = Buffer.from(jpeg.encode({ width, height, data: rgba }, 60).data);
  byWidth.set(width, { key, jpeg: out });
  return out;
}

/** One part of the multipart stream: boundary line, part headers, the bytes, CRLF. */
export function framePart(bytes: Buffer, time: number): Buffer {
  const head = `--${PREVIEW_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${bytes.length}\r\nX-Frame-Time: ${new Date(time).toISOString()}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes, Buffer.from('\r\n', 'latin1')]);
}

/**
 * Serve the preview on `res` until the viewer leaves or the connection is cut
 * (a `down` path closes its listener and every connection on it).
 */
export function openPreview({ device, path, req, res, url }: { device: SimDevice; path: SimPath; req: IncomingMessage; res: ServerResponse; url: URL }): void {
  const params = previewParams(url);
  if (!params) {
    const text = JSON.stringify({ error: { code: 'validation_failed', message: 'fps and width must be numbers' } });
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    return void res.end(text);
  }
  res.writeHead(200, {
    'content-type': `multipart/x-mixed-replace; boundary=${PREVIEW_BOUNDARY}`,
    'cache-control': 'no-store',
    'x-preview-fps': String(params.fps),
    'x-preview-width': String(params.width),
  });
  if (req.method === 'HEAD') return void res.end();
  req.socket.setNoDelay(true);
  req.socket.setTimeout(0);
  const send = (mode: PathMode) => {
    if (res.destroyed || res.writableEnded) return;
    // A viewer that is not reading gets no more frames until it catches up.
    if (res.writableLength > MAX_PENDING) return;
    const now = Date.now();
    if (mode.mode === 'garbage') return void res.write(framePart(Buffer.concat([Buffer.from('not a jpeg\0'), randomBytes(300)]), now));
    const part = framePart(frameOf(device, params.width, now), now);
    if (mode.mode === 'slow') {
      const t = setTimeout(() => !res.destroyed && !res.writableEnded && res.write(part), mode.ms);
      t.unref();
      return;
    }
    res.write(part);
  };
  const tick = () => {
    const mode = device.modeOf(path);
    // hang: the stream stays open and silent; down: the listener cuts the connection.
    if (mode.mode === 'hang' || mode.mode === 'down') return;
    send(mode);
  };
  tick();
  const timer = setInterval(tick, Math.round(1000 / params.fps));
  res.on('close', () => clearInterval(timer));
}
