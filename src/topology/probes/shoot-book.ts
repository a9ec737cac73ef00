/**
 * What the probe engine keeps per camera for the shoot (contract v1.1): its
 * clock offset estimator and the last recording bitrate it reported, and the
 * `clock` / `runway` fields they add to the device's live health. Bitrates come
 * from `node.status` on the bus (a take's bitrate is news there), not from a call.
 */
import type { EventBus } from '../events.ts';
import type { NodeStatus } from '../health-types.ts';
import { computeRunway, type Runway } from '../runway.ts';
import { ClockBook, type ClockEstimate, type ClockSink } from './clock-offset.ts';

/** Shoot fields of a device's health. */
export interface ShootHealth {
  clock: ClockEstimate | null;
  runway: Runway | null;
}

/** A camera's shoot side as the shoot rules read it: its last status and what follows from it. */
export interface ShootFigures extends ShootHealth {
  status: NodeStatus | null;
}

/** Per-device shoot state of the engine. */
export class ShootBook {
  readonly clocks: ClockBook;
  private readonly bitrates = new Map<string, number>();

  /** `now`: the injected clock (clock samples age out of the estimator's window by it). */
  constructor(opts: { now?: () => number } = {}) {
    this.clocks = new ClockBook(opts);
  }

  /** Take every published status's bitrate from the bus; returns the function that unsubscribes. */
  subscribe(bus: EventBus): () => void {
    return bus.on('node.status', (e) => this.noteStatus(e.data.deviceId, e.data.status));
  }

  clockSink(deviceId: string): ClockSink {
    return this.clocks.sinkFor(deviceId);
  }

  healthOf(deviceId: string, status: NodeStatus | null): ShootHealth {
    return { clock: this.clocks.estimate(deviceId), runway: computeRunway(status, this.bitrates.get(deviceId) ?? null) };
  }

  forget(deviceId: string): void {
    this.clocks.forget(deviceId);
    this.bitrates.delete(deviceId);
  }

  /** Remember the bitrate of a take, so runway is known between takes. */
  private noteStatus(deviceId: string, status: NodeStatus): void {
    const b = status.recording?.bitrateBps;
    if (typeof b === 'number' && b > 0) this.bitrates.set(deviceId, b);
  }
}
