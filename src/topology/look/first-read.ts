/**
 * The read before a settings change: what the camera records now and what it
 * supports, which every value is checked against before anything is sent.
 * Most of a rig-wide change used to be this read (a Blackmagic camera answers
 * one endpoint per reading: 13 requests), so it is cut where the answer is
 * already known: the look from the live health the probes keep (the camera's
 * own SSE status or WebSocket), the supported lists from a cache per camera,
 * path and format, dropped when the path reconnects (its `since` moves), after
 * `SUPPORTED_TTL_MS`, or for another format (ISOs and shutters follow the frame rate).
 * Without both, the camera is read as before, path by path.
 */
import type { Clock } from '../clock.ts';
import type { CameraProtocol, CameraSettingsRead, SupportedSettings } from '../cameras/protocol.ts';
import type { DeviceHealth, PathHealth } from '../health-types.ts';
import type { NodePath } from '../relay/paths.ts';
import { formatKey } from './format.ts';

/** How long supported lists are trusted without a reconnect (a safety net: cameras change them only with the format). */
export const SUPPORTED_TTL_MS = 10 * 60_000;
/** Cameras × paths × formats kept at most; the oldest entry goes first. */
const MAX_ENTRIES = 4096;

/** Supported lists per camera path and format; one per server (made at the wiring, never on import). */
export class SupportedCache {
  private readonly entries = new Map<string, { supported: SupportedSettings; at: number }>();

  constructor(private readonly clock: Clock) {}

  get(key: string): SupportedSettings | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (this.clock.now() - e.at > SUPPORTED_TTL_MS) {
      this.entries.delete(key);
      return null;
    }
    return e.supported;
  }

  set(key: string, supported: SupportedSettings): void {
    this.entries.delete(key);
    this.entries.set(key, { supported, at: this.clock.now() });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The probe engine's view of one path (null when it has none). */
function liveOf(path: NodePath, health: DeviceHealth | null | undefined): PathHealth | null {
  return health?.paths.find((p) => p.service === path.service && p.address === path.address && p.network === path.network && p.port === path.port) ?? null;
}

/** The cache key of a path's supported lists at a format; null when the path has no live state to tie it to. */
export function supportedKey(path: NodePath, format: string | null, health: DeviceHealth | null | undefined): string | null {
  const live = liveOf(path, health);
  if (!live || live.state !== 'up' || !live.since) return null;
  return `${path.deviceId}|${path.service}|${path.network}|${path.address}:${path.port}|${live.since}|${format ?? '-'}`;
}

/** The path to use and the camera's settings before the change, or why no path answered. */
export type FirstRead = { path: NodePath; before: CameraSettingsRead; live: boolean } | { error: string };

/** Read a camera before the change: from what is known when the best path is up and both parts are known, else over the wire. */
export async function readBefore({ paths, protocol, health, signal, timeoutMs, cache }: {
  paths: NodePath[]; protocol: CameraProtocol; health?: DeviceHealth | null; signal: AbortSignal; timeoutMs: number; cache?: SupportedCache;
}): Promise<FirstRead> {
  const look = health?.status?.look;
  const best = paths[0];
  if (cache && look && best && best.state === 'up') {
    const key = supportedKey(best, formatKey(look.format), health);
    const supported = key ? cache.get(key) : null;
    if (supported) return { path: best, before: { look, supported }, live: true };
  }
  let lastError = 'no answer';
  for (const p of paths) {
    try {
      const before = await protocol.readSettings!({ path: p, signal, timeoutMs, supported: true });
      const key = cache && before.supported ? supportedKey(p, formatKey(before.look.format), health) : null;
      if (key) cache!.set(key, before.supported!);
      return { path: p, before, live: false };
    } catch (err) {
      lastError = signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message;
      if (signal.aborted) break;
    }
  }
  return { error: lastError };
}
