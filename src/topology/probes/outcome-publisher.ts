/**
 * The one outcome of a result on the bus: `probe.outcome` first (history and
 * metrics record it, the transition row lands before anyone reacts to the
 * change), then on a change `path.state` and, if the device's state moved,
 * `device.state`, as browsers and alerting read them.
 */
import type { EventBus } from '../events.ts';
import type { DeviceHealthBook } from './device-health-book.ts';
import type { ProbeOutcome } from './outcome.ts';
import type { PathEntry } from './path-entry.ts';
import type { PathChange } from './path-machine.ts';

/** What a runner's result was, before the path machine had its say. */
export type ProbeResult = Pick<ProbeOutcome, 'ok' | 'latencyMs' | 'at' | 'source' | 'category'>;

/** Publish one result of `entry` (`change`: what it did to the path machine, if anything). */
export function publishOutcome(bus: EventBus, book: DeviceHealthBook, entry: PathEntry, r: ProbeResult, change: PathChange | null): void {
  const { target } = entry;
  if (!change) {
    bus.emit('probe.outcome', {
      target, ...r, path: { state: book.shownState(entry), lastBeat: entry.lastBeat }, transition: null,
      deviceState: book.stateOf(target.deviceId), device: null,
    });
    return;
  }
  const path = book.pathHealth(entry, r.at);
  const { prev, health: device } = book.settle(target.deviceId);
  bus.emit('probe.outcome', {
    target, ...r, path: { state: path.state, lastBeat: entry.lastBeat },
    transition: { from: change.from, to: entry.machine.state, reason: change.reason, path },
    deviceState: device.state, device,
  });
  bus.emit('path.state', { deviceId: target.deviceId, path, from: change.from, reason: change.reason });
  if (prev && prev.state !== device.state) bus.emit('device.state', { deviceId: target.deviceId, health: device, from: prev.state });
}
