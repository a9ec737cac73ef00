/**
 * Contract v1.1 status fields (recording, battery.drainPerHour, stopReason), read
 * as hostile input: wrong types are dropped, strings and numbers bounded.
 */
import type { NodeStatus } from '../health-types.ts';

const str = (v: unknown, max: number): string | null => (typeof v === 'string' ? v.slice(0, max) : null);
const num = (v: unknown, min: number, max: number): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : null);

/** The v1.1 fields of a raw status object; v1 nodes yield none of them. */
export function parseShootFields(raw: Record<string, unknown>): Partial<Pick<NodeStatus, 'recording' | 'stopReason' | 'battery'>> {
  const out: Partial<NodeStatus> = {};
  if ('recording' in raw) {
    const r = raw.recording as Record<string, unknown> | null;
    const since = r && typeof r === 'object' ? str(r.since, 40) : null;
    out.recording = r && since ? { since, clip: str(r.clip, 120) ?? '', bitrateBps: num(r.bitrateBps, 0, 1e11) ?? 0 } : null;
  }
  if ('stopReason' in raw) out.stopReason = str(raw.stopReason, 200);
  const battery = raw.battery as Record<string, unknown> | undefined;
  if (battery && typeof battery === 'object' && 'drainPerHour' in battery) {
    const drain = num(battery.drainPerHour, 0, 100);
    out.battery = { level: battery.level as number, charging: battery.charging as boolean, ...(drain !== null ? { drainPerHour: drain } : {}) };
  }
  return out;
}
