/**
 * Contract v1.1 heartbeat rate for the simulator: a client may ask a stream for
 * faster heartbeats (`GET /api/v1/events?heartbeatMs=250`). Streams that asked
 * beat on their own cadence, one timer per distinct rate (not per stream), and
 * the rig's shared tick leaves their heartbeats out so every gap is one interval.
 */
import { BeatLag } from './beat-lag.ts';
import type { SimDevice } from './device.ts';
import { type SseStream, writeToStream } from './sse.ts';

/** The fastest heartbeat the simulator supports (ms); faster requests are clamped to it. */
export const SIM_MIN_HEARTBEAT_MS = 100;

/**
 * The interval a stream gets: the request clamped to what the node supports, and
 * never slower than the node's own rate (a client asks "at least this often").
 * Anything but a whole number of ms is ignored (the node's rate).
 */
export function resolveHeartbeatMs(raw: string | null, nodeMs: number): number {
  if (raw === null || !/^\d{1,9}$/.test(raw)) return nodeMs;
  return Math.min(nodeMs, Math.max(SIM_MIN_HEARTBEAT_MS, Number(raw)));
}

interface Beating {
  stream: SseStream;
  device: SimDevice;
  seq: number;
}

/** Heartbeat timers of the streams that asked for their own rate. */
export class StreamBeats {
  private readonly groups = new Map<number, { timer: NodeJS.Timeout; members: Set<Beating>; due: number }>();

  constructor(private readonly lag: BeatLag = new BeatLag()) {}

  /** Beat `stream` every `ms` until it closes. */
  add(device: SimDevice, stream: SseStream, ms: number): void {
    let group = this.groups.get(ms);
    if (!group) {
      const members = new Set<Beating>();
      const g = { timer: setInterval(() => this.beat(g, ms), ms), members, due: performance.now() + ms };
      g.timer.unref();
      this.groups.set(ms, (group = g));
    }
    const entry: Beating = { stream, device, seq: 0 };
    stream.ownBeat = true;
    group.members.add(entry);
    const g = group;
    stream.res.on('close', () => {
      g.members.delete(entry);
      if (g.members.size === 0 && this.groups.get(ms) === g) {
        clearInterval(g.timer);
        this.groups.delete(ms);
      }
    });
  }

  /** Stop every timer (the rig is closing). */
  close(): void {
    for (const g of this.groups.values()) clearInterval(g.timer);
    this.groups.clear();
  }

  private beat(g: { members: Set<Beating>; due: number }, ms: number): void {
    // The same framing as formatEvent('heartbeat', {seq, time}), built by concatenation:
    // thousands of streams beat several times a second.
    const tail = `,"time":${JSON.stringify(new Date().toISOString())}}\n\n`;
    const due = g.due;
    // Node re-arms an interval from when its callback starts: the next beat is due then.
    g.due = performance.now() + ms;
    for (const m of g.members) {
      m.seq++;
      const mode = m.device.modeOf(m.stream.path);
      // No id: these beats are per stream, not in the node's replay ring.
      writeToStream(m.stream, `event: heartbeat\ndata: {"seq":${m.seq}${tail}`, mode);
      if (mode.mode === 'ok') this.lag.record(due, performance.now());
    }
  }
}
