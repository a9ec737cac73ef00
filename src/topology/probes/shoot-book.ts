/**
 * What the probe engine keeps per camera for the shoot (contract v1.1): its
 * clock offset estimator and the last recording bitrate it reported, and the
 * `clock` / `runway` fields they add to the device's live health.
 */
import type { NodeStatus } from '../health-types.ts';
import { computeRunway, type Runway } from '../runway.ts';
import { ClockBook, type ClockEstimate, type ClockSink } from './clock-offset.ts';

/** Shoot fields of a device's health. */
export interface ShootHealth {
  clock: ClockEstimate | null;
  runway: Runway | null;
}

/** Per-device shoot state of the engine. */
export class ShootBook {
  readonly clocks: ClockBook;
  private readonly bitrates = new Map<string, number>();

  constructor(opts: { now?: () => number } = {}) {
    this.clocks = new ClockBook(opts);
  }

  clockSink(deviceId: string): ClockSink {
    return this.clocks.sinkFor(deviceId);
  }

  /** Remember the bitrate of a take, so runway is known between takes. */
  noteStatus(deviceId: string, status: NodeStatus): void {
    const b = status.recording?.bitrateBps;
    if (typeof b === 'number' && b > 0) this.bitrates.set(deviceId, b);
  }

  healthOf(deviceId: string, status: NodeStatus | null): ShootHealth {
    return { clock: this.clocks.estimate(deviceId), runway: computeRunway(status, this.bitrates.get(deviceId) ?? null) };
  }

  forget(deviceId: string): void {
    this.clocks.forget(deviceId);
    this.bitrates.delete(deviceId);
  }
}
