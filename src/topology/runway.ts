/**
 * Runway: how many minutes a camera can keep recording, from its own report
 * (contract v1.1): storage from the camera's own record time left when it gives
 * one (Blackmagic), else free bytes and the take's bitrate (or the last
 * bitrate seen when idle), battery from the drain per hour unless charging.
 */
import type { NodeStatus, RunwayHealth } from './health-types.ts';

/** Minutes left; a field is null when it cannot be known (no bitrate seen yet, charging, no drain reported). */
export type Runway = RunwayHealth;

/** Runway of a node from its status; `lastBitrateBps` stands in when it is not recording. */
export function computeRunway(status: NodeStatus | null, lastBitrateBps: number | null): Runway | null {
  if (!status) return null;
  const bitrate = status.recording?.bitrateBps ?? lastBitrateBps;
  // A camera that tells its own record time left (Blackmagic remainingRecordTime) knows its codec better than a bitrate guess.
  const own = status.storage?.remainingRecordSec;
  const storageMinutes = typeof own === 'number' && Number.isFinite(own) && own >= 0 ? roundMinutes(own / 60)
    : bitrate && bitrate > 0 && status.storage ? roundMinutes(status.storage.freeBytes / (bitrate / 8) / 60) : null;
  const drain = status.battery?.drainPerHour;
  const batteryMinutes = !status.battery?.charging && typeof drain === 'number' && drain > 0 ? roundMinutes((status.battery.level / drain) * 60) : null;
  if (storageMinutes === null && batteryMinutes === null) return null;
  return { storageMinutes, batteryMinutes };
}

/** The shorter of the two and which it is, for the summary line and the roll call. */
export function shortestRunway(r: Runway | null | undefined): { minutes: number; what: 'storage' | 'battery' } | null {
  if (!r) return null;
  const s = r.storageMinutes;
  const b = r.batteryMinutes;
  if (s === null && b === null) return null;
  if (b === null || (s !== null && s <= b)) return { minutes: s!, what: 'storage' };
  return { minutes: b, what: 'battery' };
}

function roundMinutes(m: number): number {
  return Math.round(Math.min(m, 1e7) * 10) / 10;
}
