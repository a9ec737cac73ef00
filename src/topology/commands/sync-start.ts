/**
 * Synchronized record start: every camera starts at one instant of rigmap's
 * clock. rigmap converts the instant into each node's own clock with the
 * measured offset, sends it as `args.at` (contract v1.1), and after the instant
 * reads every node back: recording, and its `recording.since` (translated to
 * rigmap's clock) within one frame of the target → verified.
 */
import pLimit from 'p-limit';
import { sleepHeldOn, systemClock, type Clock } from '../clock.ts';
import { RigmapError } from '../errors.ts';
import type { DeviceHealth, NodeStatus } from '../health-types.ts';
import type { Device } from '../model.ts';
import { ClockBook, type ClockEstimate, parseNodeTime } from '../probes/clock-offset.ts';
import { parseNodeStatus } from '../probes/camera-node.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { openNodeRequest, readBody } from '../relay/node-request.ts';
import { cameraNodeService, type NodePath, orderPaths } from '../relay/paths.ts';
import { sendToNode } from './send-one.ts';
import type { TrustStore } from '../trust/pins.ts';
import type { CommandReport, CommandSelection, NodeCommandResult, SyncNodeResult } from './types.ts';

/** One frame at 30 fps: the most a camera may be off the target and still count as started with the others. */
export const FRAME_MS = 33;
/** An instant closer than this leaves no time to measure clocks and reach every node. */
export const MIN_LEAD_MS = 500;
/** Further ahead than this is a typo, not a plan. */
export const MAX_LEAD_MS = 10 * 60_000;
/** Round trips measured for a node whose clock is unknown or not known well enough. */
const MEASURE_ROUND_TRIPS = 5;
const GOOD_ENOUGH_MS = 5;
/** How long after the instant nodes not yet recording are read again. */
const READ_BACK_MS = 2000;

/** "+3s", "+500ms", "+2m" (from now) or an ISO 8601 time → ms of rigmap's clock, bounded. */
export function parseStartInstant(at: string, now: number): number {
  const rel = /^\+(\d{1,6}(?:\.\d{1,3})?)(ms|s|m)$/.exec(at.trim());
  let target: number;
  if (rel) target = now + Number(rel[1]) * (rel[2] === 'ms' ? 1 : rel[2] === 's' ? 1000 : 60_000);
  else if (at.length <= 40 && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(at)) target = Date.parse(at);
  else throw new RigmapError('validation_failed', `at "${at.slice(0, 40)}" is not "+3s", "+500ms", "+1m" or an ISO time like 2026-11-23T23:04:12Z`);
  if (!Number.isFinite(target)) throw new RigmapError('validation_failed', `at "${at}" is not a valid time`);
  if (target - now < MIN_LEAD_MS) throw new RigmapError('validation_failed', `at must be at least ${MIN_LEAD_MS} ms ahead, so every camera hears about it in time (e.g. +3s)`);
  if (target - now > MAX_LEAD_MS) throw new RigmapError('validation_failed', `at must be at most ${MAX_LEAD_MS / 60_000} minutes ahead`);
  return Math.round(target);
}

/** GET /status of a node on one path; the status and when it was asked and answered. */
async function readStatus(path: NodePath, timeoutMs: number, clock: Clock): Promise<{ status: NodeStatus; sentAt: number; receivedAt: number } | null> {
  const sentAt = clock.now();
  try {
    const res = await openNodeRequest({ path, method: 'GET', pathAndQuery: `${path.basePath}/status`, signal: AbortSignal.timeout(timeoutMs), connectTimeoutMs: Math.min(timeoutMs, 3000) });
    const body = (await readBody(res, 64 * 1024)).toString('utf8');
    const receivedAt = clock.now();
    const status = res.statusCode === 200 ? parseNodeStatus(body) : null;
    return status ? { status, sentAt, receivedAt } : null;
  } catch {
    return null;
  }
}

/** The clock of a node: the engine's estimate, sharpened by a few round trips of our own when it is loose or missing. */
async function measureClock(clocks: ClockBook, deviceId: string, path: NodePath | undefined, timeoutMs: number, clock: Clock): Promise<ClockEstimate | null> {
  const known = clocks.estimate(deviceId);
  if ((known && known.uncertaintyMs <= GOOD_ENOUGH_MS) || !path) return known;
  const sink = clocks.sinkFor(deviceId);
  for (let i = 0; i < MEASURE_ROUND_TRIPS; i++) {
    const r = await readStatus(path, Math.min(timeoutMs, 2000), clock);
    if (!r) break;
    sink.roundTrip(r.sentAt, r.receivedAt, r.status.time);
  }
  return clocks.estimate(deviceId);
}

function judge(deviceId: string, target: number, clock: ClockEstimate | null, at: string | null, status: NodeStatus | null): SyncNodeResult {
  const base = { deviceId, offsetMs: clock?.offsetMs ?? null, uncertaintyMs: clock?.uncertaintyMs ?? null, at };
  const none = { ...base, verified: false, since: null, errorMs: null, clip: null };
  if (!status) return { ...none, why: 'no answer when read back after the instant' };
  if (status.state !== 'recording') return { ...none, why: `not recording after the instant (state ${status.state}${status.stopReason ? `: ${status.stopReason}` : ''})` };
  const sinceNode = parseNodeTime(status.recording?.since);
  if (sinceNode === null || !clock) return { ...none, clip: status.recording?.clip ?? null, why: 'recording, but it does not say since when (camera-node contract v1.1 recording.since)' };
  const since = sinceNode - clock.offsetMs;
  const errorMs = Math.round((since - target) * 10) / 10;
  const verified = Math.abs(errorMs) <= FRAME_MS;
  const why = verified ? null : errorMs < 0 ? `was already recording ${Math.round(-errorMs)} ms before the instant` : `started ${Math.round(errorMs)} ms late`;
  return { ...base, verified, since: new Date(Math.round(since)).toISOString(), errorMs, clip: status.recording?.clip ?? null, why };
}

/** Start every device at `at`; resolves after reading every node back. */
export async function syncRecordStart({ devices, selection, at, args, clipOf, scope, health, clocks: given, timeoutMs, concurrency, clock = systemClock, trust }: {
  devices: Device[]; selection: CommandSelection; at: string; args?: Record<string, unknown>; scope: ProbeScope;
  /** The slated take's clip name for a camera (contract `args.clip`), when the start is slated. */
  clipOf?: (deviceId: string) => string | undefined;
  health?: (id: string) => DeviceHealth | null | undefined; clocks?: ClockBook; timeoutMs: number; concurrency: number;
  /** rigmap's clock: the instant, the round trips that measure each node's offset and the read-back waits. */
  clock?: Clock;
  /** Pins of https peers (src/topology/trust/). */
  trust?: TrustStore;
}): Promise<CommandReport> {
  // Offsets measured here age on the same clock as the round trips that measured them.
  const clocks = given ?? new ClockBook({ now: () => clock.now() });
  const target = parseStartInstant(at, clock.now());
  const limit = pLimit(concurrency);
  const pathsOf = (d: Device) => {
    const service = cameraNodeService(d);
    return service ? orderPaths({ device: d, service, scope, health: health?.(d.id), trust }) : [];
  };
  const sentAt = new Date(clock.now()).toISOString();
  const sent = await Promise.all(devices.map((device) => limit(async () => {
    if (!cameraNodeService(device)) {
      // A Blackmagic camera's API tells neither its time of day nor takes a start time: arming it would start it now, not at the instant.
      const result: NodeCommandResult = { deviceId: device.id, ok: false, state: null, status: null, error: 'this camera cannot start at an instant (its API has no clock and no start time), so it was not armed; start it without --at', timedOut: false, network: null, address: null, ms: 0 };
      return { device, estimate: null, nodeAt: null, result };
    }
    const estimate = await measureClock(clocks, device.id, pathsOf(device)[0], timeoutMs, clock);
    if (!estimate) {
      const result: NodeCommandResult = { deviceId: device.id, ok: false, state: null, status: null, error: 'its clock could not be read (no answer to /status), so it was not armed', timedOut: false, network: null, address: null, ms: 0 };
      return { device, estimate, nodeAt: null, result };
    }
    const nodeAt = new Date(Math.round(target + estimate.offsetMs)).toISOString();
    const clip = clipOf?.(device.id);
    const body = JSON.stringify({ action: 'record.start', args: { ...args, ...(clip ? { clip } : {}), at: nodeAt } });
    const result = await sendToNode({ device, body, scope, trust, health: health?.(device.id), timeoutMs: Math.min(timeoutMs, Math.max(100, target - clock.now())), clock });
    return { device, estimate, nodeAt, result };
  })));
  // Read back once every node should have started; those not yet recording get a few more looks.
  // Held waits (sleepHeldOn): `rigmap command --at` awaits them with nothing else keeping the process open.
  await sleepHeldOn(clock, Math.max(0, target - clock.now() + 250));
  const statuses = new Map<string, NodeStatus | null>();
  const deadline = target + READ_BACK_MS;
  for (;;) {
    const pending = sent.filter((s) => s.result.ok && statuses.get(s.device.id)?.state !== 'recording');
    await Promise.all(pending.map((s) => limit(async () => {
      const path = pathsOf(s.device).find((p) => p.address === s.result.address) ?? pathsOf(s.device)[0];
      const r = path ? await readStatus(path, Math.min(timeoutMs, 2000), clock) : null;
      if (r) clocks.sinkFor(s.device.id).roundTrip(r.sentAt, r.receivedAt, r.status.time);
      statuses.set(s.device.id, r?.status ?? statuses.get(s.device.id) ?? null);
    })));
    if (!pending.length || clock.now() > deadline) break;
    await sleepHeldOn(clock, 250);
  }
  // Judged with the clock as measured now, read-back round trips included: an offset that was
  // wrong when the instant was sent shows up as an error here instead of cancelling itself out.
  const nodes = sent.map((s) => (s.result.ok ? judge(s.device.id, target, clocks.estimate(s.device.id) ?? s.estimate, s.nodeAt, statuses.get(s.device.id) ?? null)
    : { deviceId: s.device.id, offsetMs: s.estimate?.offsetMs ?? null, uncertaintyMs: s.estimate?.uncertaintyMs ?? null, at: s.nodeAt, verified: false, since: null, errorMs: null, clip: null, why: s.result.error ?? 'the command failed' }));
  const starts = nodes.filter((n) => n.since !== null && n.errorMs !== null && Math.abs(n.errorMs) <= READ_BACK_MS).map((n) => n.errorMs!);
  const results = sent.map((s) => s.result);
  return {
    action: 'record.start', selection, sentAt, total: results.length,
    ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, timedOut: results.filter((r) => r.timedOut).length, results,
    sync: {
      target: new Date(target).toISOString(),
      verified: nodes.filter((n) => n.verified).length,
      spreadMs: starts.length ? Math.round((Math.max(...starts) - Math.min(...starts)) * 10) / 10 : null,
      toleranceMs: FRAME_MS,
      nodes,
    },
  };
}
