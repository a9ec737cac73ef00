/**
 * Reading a Blackmagic camera: the answers of the Camera Control REST API
 * (test/fixtures/blackmagic/*.yaml) parsed defensively (every byte from a camera
 * is hostile: types checked, strings and lists capped) and mapped into the
 * NodeStatus every other part of rigmap reads.
 */
import type { NodeStatus } from '../../health-types.ts';

/** What rigmap reads, one entry per endpoint (null: not read yet, or the camera does not offer it). */
export interface BlackmagicReadings {
  product: { deviceName: string | null; productName: string | null; softwareVersion: string | null } | null;
  recording: boolean | null;
  media: { freeBytes: number; totalBytes: number; remainingRecordSec: number | null } | null;
  power: { source: string; percent: number | null; charging: boolean } | null;
  timecode: string | null;
}

/** The endpoints read and the event WebSocket properties that carry the same values. */
export const BLACKMAGIC_READS = {
  product: '/system/product',
  recording: '/transports/0/record',
  media: '/media/workingset',
  power: '/camera/power',
  timecode: '/transports/0/timecode',
} as const;

export type ReadingKey = keyof typeof BLACKMAGIC_READS;

const MAX_TEXT = 200;
const MAX_SLOTS = 16;

const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** GET /system/product → names and version; null when it is not a product answer. */
export function readProduct(v: unknown): BlackmagicReadings['product'] {
  const o = obj(v);
  if (!o) return null;
  const out = { deviceName: str(o.deviceName), productName: str(o.productName), softwareVersion: str(o.softwareVersion) };
  return out.deviceName === null && out.productName === null && out.softwareVersion === null ? null : out;
}

/** GET /transports/0/record → recording; undefined when unreadable. */
export function readRecording(v: unknown): boolean | undefined {
  const r = obj(v)?.recording;
  return typeof r === 'boolean' ? r : undefined;
}

/** GET /media/workingset → the active disk's space and record time left (the first present disk when none is active). */
export function readMedia(v: unknown): BlackmagicReadings['media'] | undefined {
  const list = obj(v)?.workingset;
  if (!Array.isArray(list)) return undefined;
  const disks = list.slice(0, MAX_SLOTS).map(obj).filter((d): d is Record<string, unknown> => d !== null);
  const disk = disks.find((d) => d.activeDisk === true) ?? disks[0];
  // No card in any slot: nothing to record to.
  if (!disk) return { freeBytes: 0, totalBytes: 0, remainingRecordSec: 0 };
  return { freeBytes: num(disk.remainingSpace) ?? 0, totalBytes: num(disk.totalSpace) ?? 0, remainingRecordSec: num(disk.remainingRecordTime) };
}

/** GET /camera/power → source, charge and whether it is on external power ("charging"). */
export function readPower(v: unknown): BlackmagicReadings['power'] | undefined {
  const o = obj(v);
  const source = str(o?.source);
  if (!o || !source) return undefined;
  const batteries = Array.isArray(o.batteries) ? o.batteries.slice(0, 8).map(obj).filter((b): b is Record<string, unknown> => b !== null) : [];
  const percents = batteries.map((b) => num(b.chargeRemainingPercent)).filter((p): p is number => p !== null).map((p) => Math.min(100, p));
  const flagged = batteries.some((b) => Array.isArray(b.statusFlags) && b.statusFlags.slice(0, 16).includes('Battery Is Charging'));
  return { source, percent: percents.length ? Math.max(...percents) : null, charging: source !== 'Battery' || flagged };
}

/** GET /transports/0/timecode → the display timecode. */
export function readTimecode(v: unknown): string | undefined {
  return str(obj(v)?.display) ?? undefined;
}

/** Fold one answer (poll or WebSocket event) into the readings; false when it was not readable. */
export function applyReading(r: BlackmagicReadings, key: ReadingKey, value: unknown): boolean {
  switch (key) {
    case 'product': {
      const p = readProduct(value);
      if (p) r.product = p;
      return p !== null;
    }
    case 'recording': {
      const rec = readRecording(value);
      if (rec !== undefined) r.recording = rec;
      return rec !== undefined;
    }
    case 'media': {
      const m = readMedia(value);
      if (m) r.media = m;
      return m !== undefined;
    }
    case 'power': {
      const p = readPower(value);
      if (p) r.power = p;
      return p !== undefined;
    }
    case 'timecode': {
      const t = readTimecode(value);
      if (t !== undefined) r.timecode = t;
      return t !== undefined;
    }
  }
}

/** The readings as the NodeStatus the rest of rigmap reads; null until the recording state is known. */
export function toNodeStatus(r: BlackmagicReadings): NodeStatus | null {
  if (r.recording === null) return null;
  const p = r.power;
  // No battery reported (on AC, or power not offered): judged by the power source alone; a camera on mains is never "low".
  const level = p?.percent !== null && p?.percent !== undefined ? p.percent / 100 : 1;
  return {
    state: r.recording ? 'recording' : 'idle',
    battery: { level, charging: p ? p.charging : true, percent: p?.percent ?? null, source: p?.source ?? 'unknown' },
    thermal: 'unknown',
    storage: r.media ? { ...r.media } : { freeBytes: 0, totalBytes: 0, remainingRecordSec: null },
    uptimeSec: null,
    time: null,
    timecode: r.timecode,
    product: r.product ?? { deviceName: null, productName: null, softwareVersion: null },
  };
}

/** Empty readings. */
export function emptyReadings(): BlackmagicReadings {
  return { product: null, recording: null, media: null, power: null, timecode: null };
}
