/**
 * rigmap's client of a phone's livestream endpoints (Blackmagic Camera app,
 * solid174/obs-bmagicam docs/camera-api.md "Livestream to OBS"), over one path
 * held to the phone's pinned certificate. Every answer is hostile: bodies are
 * capped at 16 KB, every request has a deadline, and fields are checked before
 * use.
 */
import { NodeRequestError, openNodeRequest, readBody } from '../../relay/node-request.ts';
import type { NodePath } from '../../relay/paths.ts';
import { BLACKMAGIC_PATH } from '../../services.ts';
import { RigmapError } from '../../errors.ts';

/** What a phone reports of its livestream (`GET /livestreams/0`), checked and bounded. */
export interface LivestreamState {
  status: 'Idle' | 'Connecting' | 'Streaming' | 'Unknown';
  /** Bits a second. */
  bitrate: number;
  /** Seconds streaming. */
  duration: number;
  /** Send buffer use, 0-100 %. */
  cache: number;
  /** The format the phone really sends (e.g. `1920x1080p60`), '' when not told. */
  format: string;
}

/** The destination selected on the phone. */
export interface ActivePlatform {
  platform: string;
  server: string;
  quality: string;
}

const MAX_ANSWER = 16 * 1024;
const DEADLINE_MS = 5000;

/** One request; resolves with the status and the (capped) body text. */
async function call(path: NodePath, method: 'GET' | 'PUT' | 'DELETE', endpoint: string, body?: { text: string; type: string }): Promise<{ status: number; text: string }> {
  const base = path.basePath || BLACKMAGIC_PATH;
  const signal = AbortSignal.timeout(DEADLINE_MS);
  try {
    const res = await openNodeRequest({
      path, method: method === 'DELETE' ? 'DELETE' : method, pathAndQuery: `${base}${endpoint}`, signal, connectTimeoutMs: 3000,
      ...(body ? { body: body.text, headers: { 'content-type': body.type } } : {}),
    });
    const text = (await readBody(res, MAX_ANSWER)).toString('utf8');
    return { status: res.statusCode ?? 0, text };
  } catch (err) {
    const why = err instanceof NodeRequestError ? err.message : (err as Error).message;
    throw new RigmapError('upstream_failed', `${path.deviceId} did not answer ${method} ${endpoint}: ${why}`);
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.replace(/[\u0000-\u001f]/g, ' ').slice(0, max) : '');
const num = (v: unknown, lo: number, hi: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : 0);

function expect(res: { status: number }, ok: number[], what: string, deviceId: string): void {
  if (!ok.includes(res.status)) throw new RigmapError('upstream_failed', `${deviceId} refused to ${what} (HTTP ${res.status})`);
}

/** The livestream calls of one phone over one path. */
export class LivestreamApi {
  constructor(readonly path: NodePath) {}

  private get id() {
    return this.path.deviceId;
  }

  async state(): Promise<LivestreamState> {
    const res = await call(this.path, 'GET', '/livestreams/0');
    if (res.status === 404 || res.status === 501) throw new RigmapError('unsupported_format', `${this.id} has no livestream (HTTP ${res.status}): a phone needs Blackmagic Camera 3.4 or later; other Blackmagic cameras may not livestream at all`);
    expect(res, [200], 'report its livestream', this.id);
    const v = json(res.text) as Record<string, unknown> | undefined;
    const s = v?.status;
    return {
      status: s === 'Idle' || s === 'Connecting' || s === 'Streaming' ? s : 'Unknown',
      bitrate: Math.round(num(v?.bitrate, 0, 1e10)), duration: Math.round(num(v?.duration, 0, 1e9)), cache: num(v?.cache, 0, 100),
      format: str(typeof v?.effectiveVideoFormat === 'object' && v.effectiveVideoFormat ? (v.effectiveVideoFormat as Record<string, unknown>).name : v?.effectiveVideoFormat, 40),
    };
  }

  async activePlatform(): Promise<ActivePlatform | null> {
    const res = await call(this.path, 'GET', '/livestreams/0/activePlatform');
    if (res.status !== 200) return null;
    const v = json(res.text) as Record<string, unknown> | undefined;
    const platform = str(v?.platform);
    return platform ? { platform, server: str(v?.server), quality: str(v?.quality) } : null;
  }

  async selectPlatform(p: ActivePlatform): Promise<void> {
    expect(await call(this.path, 'PUT', '/livestreams/0/activePlatform', { text: JSON.stringify(p), type: 'application/json' }), [200, 204], `select the livestream destination "${p.platform}"`, this.id);
  }

  async uploadPlatform(fileName: string, xml: string): Promise<void> {
    expect(await call(this.path, 'PUT', `/livestreams/customPlatforms/${encodeURIComponent(fileName)}`, { text: xml, type: 'application/xml' }), [200, 204], 'take rigmap as a livestream destination', this.id);
  }

  async deletePlatform(name: string): Promise<void> {
    expect(await call(this.path, 'DELETE', `/livestreams/customPlatforms/${encodeURIComponent(name)}`), [200, 204, 404], `delete the destination "${name}"`, this.id);
  }

  async available(): Promise<{ available: boolean; reasons: string[] }> {
    const res = await call(this.path, 'GET', '/livestreams/0/available');
    expect(res, [200], 'say whether it can livestream', this.id);
    const v = json(res.text) as Record<string, unknown> | undefined;
    const reasons = Array.isArray(v?.reasons) ? v.reasons.slice(0, 10).map((r) => str(r, 60)).filter(Boolean) : [];
    return { available: v?.available === true, reasons };
  }

  /** `PUT /livestreams/0/start` (answers `200 true`). */
  async start(): Promise<void> {
    const res = await call(this.path, 'PUT', '/livestreams/0/start');
    if (res.status !== 200 || json(res.text) !== true) throw new RigmapError('upstream_failed', `${this.id} did not start its livestream (HTTP ${res.status}${res.text ? `: ${str(res.text, 60)}` : ''})`);
  }

  async stop(): Promise<void> {
    expect(await call(this.path, 'PUT', '/livestreams/0/stop'), [200, 204], 'stop its livestream', this.id);
  }
}
