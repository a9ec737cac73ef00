/**
 * The HTTP side of one simulated Blackmagic camera on one address: the Camera
 * Control REST API under /control/api/v1, with the paths, fields and status
 * codes of the published definitions (test/fixtures/blackmagic/, checked by
 * test/integration/blackmagic-contract.test.ts), and the path's fault applied.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { PathMode } from '../types.ts';
import type { PhoneLivestream } from '../phone/livestream.ts';
import { type BlackmagicCamera, SIM_PROPERTIES } from './camera.ts';

/** The API's base path. */
export const BASE = '/control/api/v1';
const MAX_BODY = 16 * 1024;

/** What a handler needs: the camera, its path's mode now, and where to park hung requests. */
export interface BlackmagicHandlerContext {
  camera: BlackmagicCamera;
  mode: () => PathMode;
  parked: Set<ServerResponse>;
  /** Set for a simulated phone (src/sim/phone/): Connection: close, 501 tally, its video format. */
  phone?: { videoFormat: () => string; livestream?: PhoneLivestream };
}

/** The request listener of one camera on one address. */
export function createBlackmagicHandler(hc: BlackmagicHandlerContext): RequestListener {
  return (req, res) => {
    readBody(req, (body, tooLarge) => {
      const mode = hc.mode();
      if (mode.mode === 'hang' || mode.mode === 'down') {
        hc.parked.add(res);
        res.on('close', () => hc.parked.delete(res));
        return;
      }
      // The app closes the connection after every answer: each request is a new TCP + TLS handshake.
      if (hc.phone) res.setHeader('connection', 'close');
      const answer = () => (hc.phone && phoneAnswer(hc.phone, req, res, body, tooLarge)) || route(hc.camera, req, res, body, tooLarge, mode.mode === 'garbage');
      if (mode.mode !== 'slow') return answer();
      const timer = setTimeout(answer, mode.ms);
      res.on('close', () => clearTimeout(timer));
    });
  };
}

type Answer = { status: number; body?: unknown };

/** What a phone answers differently from a studio camera; false when the common routes apply. */
function phoneAnswer(phone: NonNullable<BlackmagicHandlerContext['phone']>, req: IncomingMessage, res: ServerResponse, body: string, tooLarge: boolean): boolean {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  // The livestream endpoints (src/sim/phone/livestream.ts): rigmap's SRT preview drives them.
  const live = path.startsWith(`${BASE}/livestreams`) && phone.livestream ? (tooLarge ? { status: 413 } : phone.livestream.answer(req.method ?? 'GET', path.slice(BASE.length), body)) : null;
  if (live) {
    if (live.body === undefined) res.writeHead(live.status).end();
    else {
      const text = JSON.stringify(live.body);
      res.writeHead(live.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    }
    return true;
  }
  if (path === `${BASE}/camera/tallyStatus`) {
    res.writeHead(501);
    res.end();
    return true;
  }
  return false;
}

function route(cam: BlackmagicCamera, req: IncomingMessage, res: ServerResponse, body: string, tooLarge: boolean, garbage: boolean): void {
  if (res.destroyed) return;
  const now = Date.now();
  cam.step(now);
  const url = new URL(req.url ?? '/', 'http://sim');
  const out = tooLarge ? { status: 413 } : answer(cam, req.method ?? 'GET', url.pathname, body, now);
  if (garbage && out.body !== undefined) {
    res.writeHead(out.status, { 'content-type': 'application/json' });
    return void res.end('{"deviceName": <html>not json');
  }
  if (out.body === undefined) {
    res.writeHead(out.status);
    return void res.end();
  }
  const text = JSON.stringify(out.body);
  res.writeHead(out.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Parse an optional JSON body; undefined for an empty one, null for one that is not JSON. */
function json(body: string): Record<string, unknown> | undefined | null {
  if (body.trim() === '') return undefined;
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function answer(cam: BlackmagicCamera, method: string, pathname: string, body: string, now: number): Answer {
  if (!pathname.startsWith(`${BASE}/`)) return { status: 404 };
  const path = pathname.slice(BASE.length);
  const get = method === 'GET' || method === 'HEAD';
  switch (`${get ? 'GET' : method} ${path}`) {
    case 'GET /system/product': return { status: 200, body: cam.product() };
    case 'GET /transports/0': return { status: 200, body: cam.transport() };
    case 'GET /transports/0/record': return { status: 200, body: cam.record_() };
    case 'GET /transports/0/stop': return { status: 200, body: !cam.recording };
    case 'GET /transports/0/timecode': return { status: 200, body: cam.timecode(now) };
    case 'GET /media/workingset': return { status: 200, body: cam.workingset() };
    case 'GET /media/active': return { status: 200, body: { workingsetIndex: 0, deviceName: 'sd1' } };
    case 'GET /camera/power': return { status: 200, body: cam.power() };
    case 'GET /camera/tallyStatus': return { status: 200, body: { status: cam.tally } };
    case 'GET /event/list': return { status: 200, body: { events: SIM_PROPERTIES } };
    case 'POST /transports/0/record': {
      const b = json(body);
      if (b === null || (b && b.clipName !== undefined && typeof b.clipName !== 'string')) return { status: 400 };
      return { status: cam.record(typeof b?.clipName === 'string' ? b.clipName.slice(0, 255) : null) ? 204 : 400 };
    }
    case 'PUT /transports/0/record': {
      // Deprecated in the definitions, still answered.
      const b = json(body);
      if (!b || typeof b.recording !== 'boolean') return { status: 400 };
      if (!b.recording) return cam.stop(), { status: 204 };
      return { status: cam.record(typeof b.clipName === 'string' ? b.clipName.slice(0, 255) : null) ? 204 : 400 };
    }
    case 'POST /transports/0/stop':
    case 'PUT /transports/0/stop':
      cam.stop();
      return { status: 204 };
    case 'PUT /camera/tallyStatus': {
      const b = json(body);
      if (!b || !['None', 'Preview', 'Program'].includes(b.status as string)) return { status: 400 };
      if (b.timeout !== undefined && (typeof b.timeout !== 'number' || !Number.isInteger(b.timeout) || b.timeout < 0)) return { status: 400 };
      cam.setTally(b.status as 'None' | 'Preview' | 'Program', b.timeout as number | undefined, now);
      return { status: 204 };
    }
    default:
      return lookAnswer(cam, get ? 'GET' : method, path, body);
  }
}

/** The video, system format, lens and slate endpoints (src/sim/look.ts holds the state). */
function lookAnswer(cam: BlackmagicCamera, method: string, path: string, body: string): Answer {
  const l = cam.look;
  const b = method === 'PUT' ? json(body) : undefined;
  if (method === 'GET') {
    const value = cam.lookProperty(path);
    if (value !== undefined) return { status: 200, body: value };
    switch (path) {
      case '/system/supportedVideoFormats': return l.has('videoFormat') ? { status: 200, body: { videoFormats: l.formats } } : { status: 404 };
      case '/video/supportedISOs': return l.has('iso') ? { status: 200, body: { supportedISOs: l.isos } } : { status: 404 };
      case '/video/supportedShutters': return l.has('shutter') ? { status: 200, body: { shutterSpeeds: l.shutters } } : { status: 404 };
      case '/video/whiteBalance/description': return l.has('whiteBalance') ? { status: 200, body: { whiteBalance: { min: 2500, max: 10000 } } } : { status: 404 };
      case '/slates/nextClip': {
        const slate = cam.nextSlate();
        return slate ? { status: 200, body: slate } : { status: 404 };
      }
      default: return { status: 404 };
    }
  }
  if (method !== 'PUT') return { status: 404 };
  if (b === null) return { status: 400 };
  const field = (k: string) => (b ? b[k] : undefined);
  const write = (w: { status: number }): Answer => ({ status: w.status });
  switch (path) {
    case '/system/videoFormat': return write(l.setFormat(field('name')));
    case '/video/iso': return write(l.setIso(field('iso')));
    case '/video/shutter':
      // Studio cameras: "no effect if shutter is controlled by auto exposure" (204, nothing changes); the phone refuses (403).
      if (l.kind !== 'phone' && l.autoExposure === 'Continuous' && l.has('shutter')) return { status: 204 };
      return write(l.setShutter(field('shutterSpeed')));
    case '/video/whiteBalance': return write(l.setWhiteBalance(field('whiteBalance')));
    case '/video/whiteBalanceTint': return write(l.setTint(field('whiteBalanceTint')));
    case '/video/autoExposure': return write(l.setAutoExposure(field('mode')));
    case '/slates/nextClip': {
      const clip = (b?.clip && typeof b.clip === 'object' ? b.clip : {}) as { scene?: unknown; take?: unknown; reel?: unknown };
      if (typeof clip.take === 'number' && clip.take > 99) return { status: 400 };
      const w = l.setSlate(clip);
      return w.status === 204 ? { status: 200, body: cam.nextSlate() } : { status: w.status };
    }
    default: return { status: 404 };
  }
}

function readBody(req: IncomingMessage, done: (body: string, tooLarge: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) tooLarge = true;
    else chunks.push(c);
  });
  req.on('end', () => done(Buffer.concat(chunks).toString('utf8'), tooLarge));
  req.on('error', () => {});
}
