/**
 * The take tracker: a bus subscriber that opens a take on every start (a
 * record.start from rigmap, or cameras seen recording) and closes it on the
 * stop, keeping per camera its start and stop in rigmap's clock, its clip,
 * markers sent through rigmap, and its problems. A camera that stops without
 * being told is announced (`take.changed`, early) for the alerts.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import type { Ctx } from '../context.ts';
import type { CommandSentEvent } from '../commands/types.ts';
import type { DeviceHealth, NodeStatus } from '../health-types.ts';
import { parseNodeTime } from '../probes/clock-offset.ts';
import { camerasOfTake, findOpenTake, insertTake, listTakes, saveTakeCamera, takeCamera, updateTake } from './store.ts';

/** Tracker settings. */
export interface TakeTrackerOptions {
  /** A camera whose clock is further off than this at its start gets the clock_off problem. */
  clockOffsetMs: number;
  /** A stop in a take rigmap did not start is judged after this long (default 750 ms): the whole rig stopping is the take ending. */
  rigStopGraceMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Keeps the takes table in step with the rig. */
export class TakeTracker {
  private readonly recording = new Map<string, boolean>();
  /** Cameras rigmap told to stop (their stop is expected, not early). */
  private readonly told = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];

  /** `clock`: start and stop times and the rig-stop grace run on it (default the system clock). */
  constructor(private readonly deps: { ctx: Ctx; options: TakeTrackerOptions; health: (deviceId: string) => DeviceHealth | undefined; clock?: Clock }) {}

  private get clock(): Clock {
    return this.deps.clock ?? systemClock;
  }

  private get now(): number {
    return this.clock.now();
  }

  start(): void {
    const { bus } = this.deps.ctx;
    // A take rigmap started before a restart is still rigmap's.
    const open = listTakes({ ctx: this.deps.ctx, limit: 1 })[0];
    if (open && !open.stoppedAt && open.startedBy === 'rigmap') this.startedByRigmap.add(open.id);
    this.unsubscribe.push(
      bus.on('node.status', (e) => this.onStatus(e.data.deviceId, e.data.status)),
      bus.on('command.sent', (e) => this.onCommand(e.data)),
      bus.on('command.sending', (e) => {
        if (e.data.action === 'record.stop') for (const id of e.data.deviceIds) this.told.add(id);
      }),
      bus.on('device.changed', (e) => {
        if (e.data.change === 'removed') this.recording.delete(e.data.deviceId);
      }),
    );
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  private readonly timers = new Set<TimerHandle>();

  /** Is a take running in the sense of the recording_stopped rule: rigmap started it, or most cameras record. */
  private takeRunning(takeId: number | null, recordingBefore: number): boolean {
    if (takeId !== null && this.startedByRigmap.has(takeId)) return true;
    return recordingBefore * 2 > this.recording.size;
  }

  private readonly startedByRigmap = new Set<number>();

  private openTake(startedBy: 'rigmap' | 'node', targetAt: string | null): number {
    const id = insertTake(this.deps.ctx.db, { startedBy, startedAt: targetAt ?? iso(this.now), targetAt });
    if (startedBy === 'rigmap') this.startedByRigmap.add(id);
    this.deps.ctx.bus.emit('take.changed', { takeId: id, change: 'opened' });
    return id;
  }

  private closeTake(takeId: number): void {
    const db = this.deps.ctx.db;
    const at = iso(this.now);
    for (const c of camerasOfTake(db, takeId)) {
      if (!c.startedAt && !c.problems.includes('never_started')) saveTakeCamera(db, takeId, { ...c, problems: [...c.problems, 'never_started'] });
      else if (c.startedAt && !c.stoppedAt) saveTakeCamera(db, takeId, { ...c, stoppedAt: at });
    }
    updateTake(db, takeId, { stoppedAt: at });
    this.startedByRigmap.delete(takeId);
    this.told.clear();
    this.deps.ctx.bus.emit('take.changed', { takeId, change: 'closed' });
  }

  /** A camera started: its start in rigmap's clock from recording.since and the offset. */
  private markStarted(takeId: number, deviceId: string, status: NodeStatus | null, sinceRigmap?: string | null): void {
    const db = this.deps.ctx.db;
    const c = takeCamera(db, takeId, deviceId);
    if (c.startedAt && !c.stoppedAt) return;
    const clock = this.deps.health(deviceId)?.clock ?? null;
    const sinceNode = parseNodeTime(status?.recording?.since);
    const startedAt = sinceRigmap ?? (sinceNode !== null ? iso(sinceNode - (clock?.offsetMs ?? 0)) : iso(this.now));
    const problems = c.problems.filter((p) => p !== 'never_started');
    if (clock && Math.abs(clock.offsetMs) > this.deps.options.clockOffsetMs) problems.push('clock_off');
    saveTakeCamera(db, takeId, { ...c, startedAt, stoppedAt: null, clip: status?.recording?.clip ?? c.clip, offsetMs: clock?.offsetMs ?? null, problems });
    this.deps.ctx.bus.emit('take.changed', { takeId, change: 'camera.started', deviceId });
  }

  private onStatus(deviceId: string, status: NodeStatus): void {
    const rec = status.state === 'recording';
    const was = this.recording.get(deviceId) ?? false;
    const recordingBefore = [...this.recording.values()].filter(Boolean).length;
    this.recording.set(deviceId, rec);
    if (rec === was) return;
    const db = this.deps.ctx.db;
    let takeId = findOpenTake(db);
    if (rec) {
      takeId ??= this.openTake('node', null);
      this.markStarted(takeId, deviceId, status);
      return;
    }
    if (takeId === null) return;
    const told = this.told.delete(deviceId);
    const c = takeCamera(db, takeId, deviceId);
    if (!c.stoppedAt) saveTakeCamera(db, takeId, { ...c, stoppedAt: iso(this.now) });
    const reason = status.stopReason ?? (status.state === 'error' ? 'the node reports an error' : `the node went ${status.state}`);
    if (told) return this.afterStop(takeId, deviceId, false, reason, recordingBefore);
    if (this.startedByRigmap.has(takeId) || status.state === 'error') return this.afterStop(takeId, deviceId, true, reason, recordingBefore);
    // A take rigmap did not start (the crew used the phones, or another rigmap): the whole rig stopping
    // within a moment is the take ending, not footage lost. Judge once the others had time to stop too.
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      const still = [...this.recording.values()].filter(Boolean).length;
      this.afterStop(takeId, deviceId, still > 0 && still * 2 >= recordingBefore, reason, recordingBefore);
    }, this.deps.options.rigStopGraceMs ?? 750);
    this.timers.add(timer);
  }

  private afterStop(takeId: number, deviceId: string, early: boolean, reason: string, recordingBefore: number): void {
    const db = this.deps.ctx.db;
    if (early) {
      const c = takeCamera(db, takeId, deviceId);
      saveTakeCamera(db, takeId, { ...c, stopReason: reason, problems: [...c.problems, 'stopped_early'] });
    }
    this.deps.ctx.bus.emit('take.changed', { takeId, change: 'camera.stopped', deviceId, early, reason: early ? reason : undefined, takeRunning: early && this.takeRunning(takeId, recordingBefore) });
    if (findOpenTake(db) === takeId && ![...this.recording.values()].some(Boolean)) this.closeTake(takeId);
  }

  private onCommand({ report }: CommandSentEvent): void {
    const db = this.deps.ctx.db;
    const okIds = report.results.filter((r) => r.ok).map((r) => r.deviceId);
    let takeId = findOpenTake(db);
    if (report.action === 'record.start') {
      const target = report.sync?.target ?? null;
      if (takeId === null) takeId = this.openTake('rigmap', target);
      else if (!this.startedByRigmap.has(takeId)) {
        // The cameras' own start reached us before the command's report: the take is rigmap's.
        this.startedByRigmap.add(takeId);
        updateTake(db, takeId, { startedBy: 'rigmap', targetAt: target });
      }
      for (const r of report.results) {
        const sync = report.sync?.nodes.find((n) => n.deviceId === r.deviceId);
        let c = takeCamera(db, takeId, r.deviceId);
        // The clip rigmap named for the take (slates): known even where the camera does not report its clip (Blackmagic).
        if (r.ok && r.clip && !c.clip) {
          c = { ...c, clip: r.clip };
          saveTakeCamera(db, takeId, c);
        }
        if (sync?.since && sync.verified) this.markStarted(takeId, r.deviceId, null, sync.since);
        else if (!c.startedAt && (!r.ok || (sync && !sync.verified && !this.recording.get(r.deviceId)))) saveTakeCamera(db, takeId, { ...c, problems: [...c.problems, 'never_started'] });
      }
      return;
    }
    if (takeId === null) return;
    if (report.action === 'marker') {
      for (const id of okIds) {
        const c = takeCamera(db, takeId, id);
        saveTakeCamera(db, takeId, { ...c, markers: [...c.markers, { time: report.sentAt, label: report.label ?? '' }] });
      }
    }
    if (report.action === 'record.stop') {
      for (const id of okIds) {
        this.told.add(id);
        const c = takeCamera(db, takeId, id);
        if (c.startedAt && !c.stoppedAt) saveTakeCamera(db, takeId, { ...c, stoppedAt: report.sentAt });
      }
      // Answers to record.stop come after the nodes stopped: if no camera still records, the take is over.
      if (!camerasOfTake(db, takeId).some((c) => this.recording.get(c.deviceId))) this.closeTake(takeId);
    }
  }
}
