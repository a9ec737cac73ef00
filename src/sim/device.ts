/**
 * One simulated device at run time: its identity and addresses, its fault,
 * its camera model (cameras only), its event log and its open SSE streams.
 */
import { CameraModel } from './device-model.ts';
import type { SnapshotCache } from './snapshot.ts';
import { formatEvent, pushRing, type RingEvent, type SseStream, writeToStream } from './sse.ts';
import type { PathMode, SimFault, SimNode, SimPath } from './types.ts';

/** Static facts of a simulated device beyond SimNode. */
export interface DeviceSpec extends SimNode {
  /** Position among the rig's devices (colours, spreads). */
  index: number;
  model: string;
  /** The hotspot this device reaches the LAN through, if any. */
  uplink: string | null;
  linkKind: 'wifi' | 'ethernet' | null;
}

/** A simulated device: cameras speak the camera-node contract, extras an admin page. */
export class SimDevice {
  fault: SimFault = { mode: 'ok' };
  readonly cam: CameraModel | null;
  readonly ring: RingEvent[] = [];
  readonly streams = new Set<SseStream>();
  nextEventId = 1;
  heartbeatSeq = 0;
  snapshot: SnapshotCache | null = null;
  private lastKey: string;

  constructor(
    readonly spec: DeviceSpec,
    startedAt: number,
    /** The effective mode of one of this device's paths right now. */
    readonly modeOf: (path: SimPath) => PathMode,
  ) {
    this.cam = spec.role === 'camera' ? new CameraModel(spec.id, spec.index, startedAt) : null;
    this.lastKey = this.cam?.changeKey() ?? '';
  }

  get id(): string {
    return this.spec.id;
  }

  /** Give the event the next id, keep it for resume and send it to every open stream. */
  publish(event: string, data: unknown): void {
    const id = this.nextEventId++;
    const text = formatEvent(event, data, id);
    pushRing(this.ring, { id, text });
    for (const stream of this.streams) {
      if (stream.ownBeat && event === 'heartbeat') continue;
      writeToStream(stream, text, this.modeOf(stream.path));
    }
  }

  /** The shared tick: advance the physics, send `status` if it changed and a `heartbeat`. */
  tick(now: number): void {
    if (!this.cam) return;
    this.cam.step(now);
    this.publishStatusIfChanged(now);
    this.heartbeatSeq++;
    this.publish('heartbeat', { seq: this.heartbeatSeq, time: this.cam.nodeTime(now) });
  }

  /** Wake at the armed instant (contract v1.1 `args.at`) so the start is published when it happens. */
  armStart(at: number): void {
    if (this.armTimer) clearTimeout(this.armTimer);
    this.armTimer = setTimeout(() => {
      this.armTimer = null;
      const now = Date.now();
      this.cam?.step(Math.max(now, at));
      this.publishStatusIfChanged(now);
    }, Math.max(0, at - Date.now()));
    this.armTimer.unref();
  }

  armTimer: NodeJS.Timeout | null = null;

  /** Send a `status` event when something a client shows has changed. */
  publishStatusIfChanged(now: number): void {
    if (!this.cam) return;
    const key = this.cam.changeKey();
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.publish('status', this.cam.status(now));
  }

  /** Cut every open stream (the node went down on that path, or the rig stops). */
  cutStreams(path?: SimPath): void {
    if (!path && this.armTimer) clearTimeout(this.armTimer);
    for (const stream of this.streams) {
      if (path && stream.path !== path) continue;
      stream.res.destroy();
      this.streams.delete(stream);
    }
  }
}
