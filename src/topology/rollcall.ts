/**
 * The pre-shoot roll call: every expected device present and up on each of its
 * probed paths, with battery, thermal and storage within thresholds. Pure: it
 * reads the map and a health lookup, so the CLI (with its own short-lived probe
 * engine) and the server (with its running one) give the same verdict.
 */
import type { Ctx } from './context.ts';
import { loadDevices } from './device-rows.ts';
import type { CameraLook, DeviceHealth, PathHealth } from './health-types.ts';
import { type ConformanceReport, type ConformBy, judgeConformance, oddById } from './look/conformance.ts';
import { lookSummary } from './look/format.ts';
import type { Network } from './model.ts';
import { shortestRunway } from './runway.ts';

/** Thresholds of the roll call (defaults match the alert thresholds). */
export interface RollCallOptions {
  /** Battery level (0-1) under which a node that is not charging fails. */
  batteryLow: number;
  /** Free storage share (0-1) under which a node fails. */
  storageLow: number;
  /** Shoot: a clock further off than this (ms) fails (default: not checked). */
  clockOffsetMs?: number;
  /** Shoot: fewer minutes of storage or battery than this while recording fails (default: not checked). */
  runwayMinutes?: number;
  /** One format per group: cameras grouped by role (default) or by tag. */
  conformBy?: ConformBy;
  /** Presets: a camera that no longer matches the preset applied to it fails (src/topology/look/presets.ts). */
  presetDrift?: (deviceId: string, look: CameraLook | null | undefined) => string | null;
}

/** One path's verdict. */
export interface RollCallPath {
  network: Network;
  address: string;
  service: string;
  ok: boolean;
  state: PathHealth['state'];
  latencyMs: number | null;
  /** Why it failed (or why it was not checked), in a crew member's words. */
  why: string | null;
}

/** One device's verdict. */
export interface RollCallDevice {
  id: string;
  name: string;
  role: string;
  expected: boolean;
  ok: boolean;
  paths: RollCallPath[];
  /** Everything wrong with the device, one sentence each. */
  problems: string[];
  /** Things worth knowing that do not fail the roll call. */
  notes: string[];
  /** Shoot: minutes of recording left and the clock offset, when the node reports them. */
  runway?: DeviceHealth['runway'];
  clock?: DeviceHealth['clock'];
  /** What the camera records and how it is exposed, when it says. */
  look?: CameraLook | null;
}

/** The whole roll call. */
export interface RollCallReport {
  ok: boolean;
  checkedAt: string;
  summary: { expected: number; passed: number; failed: number; notExpected: number };
  devices: RollCallDevice[];
  /** One format per group: which cameras differ, and the rig summary line ("formats match"). */
  formats: ConformanceReport;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

function checkPath(p: PathHealth): RollCallPath {
  const base = { network: p.network, address: p.address, service: p.service, state: p.state, latencyMs: p.latencyMs };
  if (p.state === 'up') return { ...base, ok: true, why: null };
  if (p.state === 'out_of_scope') return { ...base, ok: true, why: 'not checked: outside the probe scope' };
  if (p.state === 'unknown') return { ...base, ok: false, why: p.lastError ?? 'no answer yet' };
  return { ...base, ok: false, why: p.lastError ?? 'down' };
}

function checkStatus(health: DeviceHealth | undefined, options: RollCallOptions): string[] {
  const s = health?.status;
  if (!s) return [];
  const problems: string[] = [];
  if (s.battery.level < options.batteryLow && !s.battery.charging) problems.push(`battery ${pct(s.battery.level)} and not charging (minimum ${pct(options.batteryLow)})`);
  if (s.thermal === 'serious' || s.thermal === 'critical') problems.push(`thermal state ${s.thermal}`);
  const free = s.storage.totalBytes > 0 ? s.storage.freeBytes / s.storage.totalBytes : 1;
  if (free < options.storageLow) problems.push(`storage ${pct(free)} free (minimum ${pct(options.storageLow)})`);
  if (s.state === 'error') problems.push('the node reports an error state');
  // Cameras that tell their own record time left (Blackmagic): none left is a card that is full or missing.
  if (s.storage.remainingRecordSec === 0) problems.push('no recording time left on the media (card full or missing)');
  return [...problems, ...checkShoot(health!, options)];
}

/** Shoot: runway while recording and the clock against the limits. */
function checkShoot(h: DeviceHealth, options: RollCallOptions): string[] {
  const problems: string[] = [];
  const shortest = shortestRunway(h.runway);
  if (options.runwayMinutes !== undefined && h.status?.state === 'recording' && shortest && shortest.minutes < options.runwayMinutes) {
    problems.push(`only ${Math.floor(shortest.minutes)} min of ${shortest.what} left while recording (minimum ${options.runwayMinutes} min)`);
  }
  if (options.clockOffsetMs !== undefined && h.clock && Math.abs(h.clock.offsetMs) > options.clockOffsetMs) {
    problems.push(`clock ${Math.round(h.clock.offsetMs)} ms off rigmap's (limit ${options.clockOffsetMs} ms): footage will not line up`);
  }
  return problems;
}

/** "runway: storage 42 min, battery 31 min · clock +12 ms ± 1" for the notes. */
function shootNote(h: DeviceHealth | undefined): string | null {
  if (!h?.runway && !h?.clock) return null;
  const parts: string[] = [];
  const mins = (m: number | null | undefined) => (m === null || m === undefined ? '?' : `${Math.floor(m)} min`);
  if (h.runway) parts.push(`runway: storage ${mins(h.runway.storageMinutes)}, battery ${h.status?.battery.charging ? 'charging' : mins(h.runway.batteryMinutes)}`);
  if (h.clock) parts.push(`clock ${h.clock.offsetMs >= 0 ? '+' : ''}${Math.round(h.clock.offsetMs)} ms ± ${Math.ceil(h.clock.uncertaintyMs)}`);
  return parts.join(' · ');
}

/** Judge every device of the map against its live health. */
export function runRollCall({ ctx, health, options, now = new Date() }: {
  ctx: Ctx;
  health: (deviceId: string) => DeviceHealth | undefined;
  options: RollCallOptions;
  now?: Date;
}): RollCallReport {
  const rows = loadDevices(ctx.db);
  const formats = judgeConformance(rows.map((d) => ({ id: d.id, name: d.name, role: d.role, tags: d.tags, look: health(d.id)?.status?.look })), { by: options.conformBy ?? 'role' });
  const odd = oddById(formats);
  const warned = new Map<string, string[]>();
  for (const g of formats.groups) for (const w of g.warnings) warned.set(w.id, [...new Set([...(warned.get(w.id) ?? []), w.text])]);
  const devices = rows.map((d): RollCallDevice => {
    const h = health(d.id);
    const paths = (h?.paths ?? []).map(checkPath);
    const problems: string[] = [];
    const notes: string[] = [];
    for (const p of paths) {
      if (!p.ok) problems.push(`${p.network === 'lan' ? 'LAN' : 'Tailscale'} path ${p.address}:${p.service} ${p.state === 'unknown' ? 'did not answer' : 'down'}: ${p.why}`);
      else if (p.why) notes.push(`${p.network} ${p.address}: ${p.why}`);
    }
    if (paths.length === 0) notes.push(d.services.length ? 'no address to probe' : 'no service to probe');
    problems.push(...checkStatus(h, options));
    const shoot = shootNote(h);
    if (shoot) notes.push(shoot);
    const look = h?.status?.look;
    problems.push(...(odd.get(d.id) ?? []));
    const drift = options.presetDrift?.(d.id, look);
    if (drift) problems.push(drift);
    notes.push(...(warned.get(d.id) ?? []).map((w) => `warning: ${w}`));
    if (look && lookSummary(look)) notes.push(`look: ${lookSummary(look)}${look.notOffered.length ? ` (not on this camera: ${look.notOffered.join(', ')})` : ''}`);
    return {
      id: d.id, name: d.name, role: d.role, expected: d.expected,
      // A device not expected at this shoot is reported but never fails the roll call.
      ok: !d.expected || problems.length === 0,
      paths, problems, notes,
      ...(h?.runway !== undefined ? { runway: h.runway } : {}), ...(h?.clock !== undefined ? { clock: h.clock } : {}),
      ...(look !== undefined ? { look } : {}),
    };
  });
  const expected = devices.filter((d) => d.expected);
  const passed = expected.filter((d) => d.ok).length;
  return {
    ok: passed === expected.length,
    checkedAt: now.toISOString(),
    summary: { expected: expected.length, passed, failed: expected.length - passed, notExpected: devices.length - expected.length },
    devices,
    formats,
  };
}

/** The roll call as the readable table `rigmap check` prints (✔/✖ per device and path, and why). */
export function formatRollCall(report: RollCallReport): string {
  const lines: string[] = [];
  for (const d of report.devices) {
    const mark = !d.expected ? '·' : d.ok ? '✔' : '✖';
    const pathCells = d.paths.map((p) => `${p.ok ? '✔' : '✖'} ${p.network}${p.latencyMs !== null && p.ok && p.state === 'up' ? ` ${Math.round(p.latencyMs)} ms` : ''}`);
    lines.push(`${mark} ${d.id.padEnd(16)} ${d.role.padEnd(8)} ${pathCells.join('   ')}${d.expected ? '' : '   (not expected)'}`);
    for (const problem of d.problems) lines.push(`    ✖ ${problem}`);
    for (const note of d.notes) lines.push(`    · ${note}`);
  }
  const s = report.summary;
  lines.push('');
  if (report.formats) lines.push(`formats: ${report.formats.line}`);
  lines.push(report.ok
    ? `roll call passed: all ${s.expected} expected device(s) ready`
    : `roll call FAILED: ${s.failed} of ${s.expected} expected device(s) not ready (${report.devices.filter((d) => !d.ok).map((d) => d.id).join(', ')})`);
  return lines.join('\n');
}
