/**
 * tailscaled's own round trip to each tailnet device (`/localapi/v0/ping`,
 * disco: WireGuard's path without the device's apps), on a slow cadence, shown
 * beside rigmap's HTTP latency. One device at a time, a bounded number per
 * round, each ping capped by the Local API client's timeout.
 */
import { systemClock, type Clock } from '../clock.ts';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { DbLike } from '../store/db.ts';
import { addresses, devices } from '../store/schema.ts';
import type { TailnetPing } from '../health-types.ts';
import type { TailscaleLocalClient } from './local-client.ts';
import type { PingResult } from './schemas.ts';

/** At most this many devices are pinged per round (a rig has tens). */
export const MAX_PINGS_PER_ROUND = 256;

/** A ping answer in the health shape: tailscaled reports a failure as `Err` in a 200 answer. */
export function pingFromResult(r: PingResult, at: string): TailnetPing {
  if (r.Err) return { rttMs: null, via: null, endpoint: null, at, error: r.Err.slice(0, 200) };
  const rttMs = typeof r.LatencySeconds === 'number' && Number.isFinite(r.LatencySeconds) ? Math.round(r.LatencySeconds * 100_000) / 100 : null;
  const via: TailnetPing['via'] = r.Endpoint ? 'direct' : r.PeerRelay ? 'peer-relay' : r.DERPRegionCode || r.DERPRegionID ? 'derp' : null;
  const endpoint = r.Endpoint || r.PeerRelay || r.DERPRegionCode || null;
  return { rttMs, via, endpoint, at, error: null };
}

/** Each Tailscale device and the first Tailscale IP to ping it at (IPv4 first). */
export function pingTargets(db: DbLike): Array<{ deviceId: string; ip: string }> {
  const rows = db
    .select({ id: devices.id, ip: addresses.ip })
    .from(devices)
    .innerJoin(addresses, and(eq(addresses.deviceId, devices.id), eq(addresses.network, 'tailscale')))
    .where(and(isNotNull(devices.tailscaleNodeId), isNotNull(addresses.ip)))
    .all();
  const byDevice = new Map<string, string>();
  for (const r of rows) {
    const have = byDevice.get(r.id);
    if (!have || (have.includes(':') && !r.ip!.includes(':'))) byDevice.set(r.id, r.ip!);
  }
  return [...byDevice.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(0, MAX_PINGS_PER_ROUND).map(([deviceId, ip]) => ({ deviceId, ip }));
}

/** Ping every Tailscale device once, one after another; results go to `record`. */
export async function pingRound({ db, local, record, clock = systemClock, only }: {
  db: DbLike;
  local: TailscaleLocalClient;
  record: (deviceId: string, ping: TailnetPing) => void;
  /** Stamps each ping's `at`. */
  clock?: Clock;
  /** Ping only these devices (those tailscaled lists as peers). */
  only?: (deviceId: string) => boolean;
}): Promise<number> {
  let done = 0;
  for (const { deviceId, ip } of pingTargets(db)) {
    if (only && !only(deviceId)) continue;
    let ping: TailnetPing;
    try {
      ping = pingFromResult(await local.ping(ip, 'disco'), new Date(clock.now()).toISOString());
    } catch (err) {
      ping = { rttMs: null, via: null, endpoint: null, at: new Date(clock.now()).toISOString(), error: (err as Error).message.slice(0, 200) };
    }
    record(deviceId, ping);
    done++;
  }
  return done;
}
