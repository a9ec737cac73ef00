/**
 * The HTTP side of one simulated device on one of its addresses: camera-node
 * contract v1 under /api/v1 for cameras, a small admin page for the extras,
 * with the path's fault applied to every request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { lookOf, runCommand } from './device-model.ts';
import type { LookWrite, SimLook } from './look.ts';
import type { SimDevice } from './device.ts';
import { openPreview } from './preview.ts';
import { renderSnapshot } from './snapshot.ts';
import { formatEvent, garbleEvent, replaySince, SSE_RETRY_MS, type SseStream, writeToStream } from './sse.ts';
import { resolveHeartbeatMs, type StreamBeats } from './stream-beats.ts';
import type { SimPath } from './types.ts';

const MAX_BODY = 64 * 1024;
export const APP_INFO = { model: 'iPhone 15 Pro', os: 'iOS 17.5', appVersion: '1.4.0' };
/** Contract v1.1 features this node serves (`info.features`). */
export const SIM_FEATURES: string[] = ['preview.mjpeg'];

/** Context a handler needs beyond its device. */
export interface HandlerContext {
  device: SimDevice;
  path: SimPath;
  heartbeatMs: number;
  /** Requests parked by `hang`, so closing the rig can cut them. */
  parked: Set<ServerResponse>;
  /** Streams that asked for a faster heartbeat (contract v1.1 `?heartbeatMs=`). */
  beats?: StreamBeats;
}

/** The request listener of one device on one address. */
export function createNodeHandler(hc: HandlerContext): RequestListener {
  return (req, res) => {
    readBody(req, (body, tooLarge) => {
      const mode = hc.device.modeOf(hc.path);
      if (mode.mode === 'hang' || mode.mode === 'down') {
        // Accept and never answer; the socket stays open until the client gives up.
        hc.parked.add(res);
        res.on('close', () => hc.parked.delete(res));
        return;
      }
      const answer = () => route(hc, req, res, { body, tooLarge, garbage: mode.mode === 'garbage' });
      if (mode.mode !== 'slow') return answer();
      const timer = setTimeout(answer, mode.ms);
      res.on('close', () => clearTimeout(timer));
    });
  };
}

interface RequestInfo {
  body: string;
  tooLarge: boolean;
  garbage: boolean;
}

function route(hc: HandlerContext, req: IncomingMessage, res: ServerResponse, info: RequestInfo): void {
  if (res.destroyed) return;
  const { device } = hc;
  const url = new URL(req.url ?? '/', 'http://sim');
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const send = (status: number, body: unknown) => sendJson(res, status, body, info.garbage);
  const notAllowed = (allow: string) => {
    res.setHeader('allow', allow);
    send(405, { error: { code: 'method_not_allowed', message: `${req.method} is not allowed here; use ${allow}` } });
  };
  const cam = device.cam;
  if (!cam) {
    if (url.pathname !== '/') return send(404, { error: { code: 'not_found', message: `no such page: ${url.pathname}` } });
    if (method !== 'GET') return notAllowed('GET');
    return send(200, { id: device.id, name: device.spec.name, role: device.spec.role, model: device.spec.model, ok: true });
  }
  const now = Date.now();
  switch (url.pathname) {
    case '/api/v1/info':
      if (method !== 'GET') return notAllowed('GET');
      return send(200, { id: device.id, name: device.spec.name, role: device.spec.role, ...APP_INFO, api: 1, features: SIM_FEATURES });
    case '/api/v1/status':
      if (method !== 'GET') return notAllowed('GET');
      cam.step(now);
      device.publishStatusIfChanged(now);
      return send(200, cam.status(now));
    case '/api/v1/snapshot.jpg': {
      if (method !== 'GET') return notAllowed('GET');
      const bytes = info.garbage ? Buffer.concat([Buffer.from('not a jpeg\0'), randomBytes(500)]) : (device.snapshot = renderSnapshot({ cam, name: device.spec.name, index: device.spec.index, now, cache: device.snapshot })).jpeg;
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length, 'cache-control': 'no-store' });
      return void res.end(bytes);
    }
    case '/api/v1/preview.mjpeg':
      if (method !== 'GET') return notAllowed('GET');
      return openPreview({ device, path: hc.path, req, res, url });
    case '/api/v1/events':
      if (method !== 'GET') return notAllowed('GET');
      return openStream(hc, req, res, url, info.garbage);
    case '/api/v1/commands': {
      if (method !== 'POST') return notAllowed('POST');
      if (info.tooLarge) return send(413, { error: { code: 'payload_too_large', message: 'command bodies are limited to 64 KiB' } });
      let input: unknown;
      try {
        input = JSON.parse(info.body);
      } catch {
        return send(400, { error: { code: 'bad_json', message: 'the body is not valid JSON' } });
      }
      // A node that answers garbage is broken: it does not act on commands either.
      if (info.garbage) return send(200, { ok: true });
      cam.step(now);
      const outcome = runCommand(cam, input, now);
      if (outcome.marker) device.publish('marker', outcome.marker);
      if (outcome.armedAt !== undefined) device.armStart(outcome.armedAt);
      device.publishStatusIfChanged(now);
      return send(outcome.status, outcome.body);
    }
    case '/api/v1/settings': {
      // v1.2 (a node may lack it, or any one setting: 404).
      if (method === 'GET') return cam.look.lacks.has('videoFormat') && cam.look.lacks.has('iso') && cam.look.lacks.has('shutter') ? send(404, { error: { code: 'not_found', message: 'this node has no settings' } }) : send(200, settingsBody(cam.look));
      if (method !== 'PATCH') return notAllowed('GET, PATCH');
      if (info.tooLarge) return send(413, { error: { code: 'payload_too_large', message: 'settings bodies are limited to 64 KiB' } });
      let input: unknown;
      try {
        input = JSON.parse(info.body);
      } catch {
        return send(400, { error: { code: 'bad_json', message: 'the body is not valid JSON' } });
      }
      const failed = patchSettings(cam.look, input);
      device.publishStatusIfChanged(now);
      if (failed) return send(failed.status, { error: { code: CODE[failed.status] ?? 'bad_request', message: failed.message ?? 'not on this camera', field: failed.field } });
      return send(200, { look: lookOf(cam.look) });
    }
    default:
      return send(404, { error: { code: 'not_found', message: `no such endpoint: ${url.pathname} (contract v1 lives under /api/v1)` } });
  }
}

function openStream(hc: HandlerContext, req: IncomingMessage, res: ServerResponse, url: URL, garbage: boolean): void {
  const { device, path } = hc;
  const cam = device.cam!;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  if (req.method === 'HEAD') return void res.end();
  req.socket.setNoDelay(true);
  req.socket.setTimeout(0);
  const header = req.headers['last-event-id'];
  const lastRaw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId') ?? undefined;
  const replay = lastRaw !== undefined && lastRaw !== '' ? replaySince(device.ring, Number(lastRaw), device.nextEventId) : null;
  const now = Date.now();
  // v1.1: the rate this stream asked for, clamped; announced in hello.
  const heartbeatMs = hc.beats ? resolveHeartbeatMs(url.searchParams.get('heartbeatMs'), hc.heartbeatMs) : hc.heartbeatMs;
  const parts = [
    `retry: ${SSE_RETRY_MS}\n\n`,
    formatEvent('hello', { id: device.id, name: device.spec.name, api: 1, heartbeatMs, lastEventId: device.nextEventId - 1, resumed: replay !== null }),
    ...(replay ? replay.map((e) => e.text) : [formatEvent('status', cam.status(now))]),
  ];
  const stream: SseStream = { res, path };
  for (const text of parts) writeToStream(stream, garbage ? garbleEvent(text) : text, { mode: 'ok' });
  device.streams.add(stream);
  res.on('close', () => device.streams.delete(stream));
  if (heartbeatMs !== hc.heartbeatMs) hc.beats?.add(device, stream, heartbeatMs);
}

const CODE: Record<number, string> = { 400: 'out_of_range', 403: 'locked', 404: 'not_offered' };

/** GET /api/v1/settings: the look and what the node supports. */
function settingsBody(l: SimLook) {
  return {
    look: lookOf(l),
    supported: {
      videoFormats: l.has('videoFormat') ? l.formats : [], isos: l.has('iso') ? l.isos : [], shutterSpeeds: l.has('shutter') ? l.shutters : [],
      whiteBalance: l.has('whiteBalance') ? { min: 2500, max: 10000 } : null, whiteBalanceTint: l.has('whiteBalanceTint') ? { min: -50, max: 50 } : null,
    },
  };
}

/** PATCH /api/v1/settings: each field in order; the first refusal stops it and is answered. */
function patchSettings(l: SimLook, input: unknown): (LookWrite & { field: string }) | null {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { status: 400, message: 'body must be a JSON object of settings', field: '' };
  const writers: Record<string, (v: unknown) => LookWrite> = {
    videoFormat: (v) => l.setFormat(v), iso: (v) => l.setIso(v), shutterSpeed: (v) => l.setShutter(v), whiteBalance: (v) => l.setWhiteBalance(v),
    whiteBalanceTint: (v) => l.setTint(v), autoExposure: (v) => l.setAutoExposure(v),
  };
  for (const [field, value] of Object.entries(input as Record<string, unknown>).slice(0, 16)) {
    const write = writers[field];
    if (!write) return { status: 400, message: `unknown setting "${field.slice(0, 40)}"`, field: field.slice(0, 40) };
    const w = write(value);
    if (w.status !== 204) return { ...w, field, message: w.message ?? 'not on this camera' };
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown, garbage: boolean): void {
  const text = garbage ? `{"id": "${Math.random().toString(36).slice(2)}", "state": \u0000<html>oops` : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage, done: (body: string, tooLarge: boolean) => void): void {
  if (req.method === 'GET' || req.method === 'HEAD') return done('', false);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => done(Buffer.concat(chunks).toString('utf8'), tooLarge));
  req.on('error', () => {});
}
