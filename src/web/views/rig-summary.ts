/**
 * The rig summary line under the top bar, for the shoot: "8/8 recording ·
 * shortest runway 42 min (cam-03, storage) · clocks within 12 ms". Reads the
 * cameras' health (status.recording, runway, clock) from the store, which
 * `node.status`, `device.state` and `device.shoot` events keep current.
 */
import type { DeviceHealth } from '../../topology/health-types.ts';
import type { RigEventMap } from '../../topology/events.ts';
import { judgeConformance } from '../../topology/look/conformance.ts';
import { shortestRunway } from '../../topology/runway.ts';
import type { Store } from '../state.ts';

/** The summary text of a rig's cameras; empty when there are none. */
export function summarizeRig(cameras: Array<{ id: string; name?: string; tags?: string[]; health: DeviceHealth | undefined }>): string {
  if (!cameras.length) return '';
  const parts: string[] = [];
  const recording = cameras.filter((c) => c.health?.status?.state === 'recording').length;
  parts.push(`${recording}/${cameras.length} recording`);
  let short: { id: string; minutes: number; what: string } | null = null;
  for (const c of cameras) {
    const s = shortestRunway(c.health?.runway);
    if (s && (!short || s.minutes < short.minutes)) short = { id: c.id, ...s };
  }
  if (short) parts.push(`shortest runway ${Math.floor(short.minutes)} min (${short.id}, ${short.what})`);
  const offsets = cameras.map((c) => c.health?.clock?.offsetMs).filter((x): x is number => typeof x === 'number');
  if (offsets.length) parts.push(`clocks within ${Math.round(Math.max(...offsets.map(Math.abs)))} ms`);
  // One format: "formats match (6 cameras, 1920x1080p60)" or what does not; nothing until a camera tells its format.
  const formats = judgeConformance(cameras.map((c) => ({ id: c.id, name: c.name ?? c.id, role: 'camera', tags: c.tags ?? [], look: c.health?.status?.look })));
  if (formats.groups.some((g) => g.format)) parts.push(formats.line);
  return parts.join(' · ');
}

/** Apply a `device.shoot` event to the store's health of that camera. */
export function applyShootEvent(store: Store, d: RigEventMap['device.shoot']): void {
  const h = store.health.get(d.deviceId);
  if (!h) return;
  store.setHealth({ ...h, runway: d.runway, clock: d.clock, status: h.status ? { ...h.status, recording: d.recording } : h.status });
}

/** Mount the line after `anchor` and keep it current. */
export function mountRigSummary(anchor: Element, store: Store): void {
  const el = document.createElement('p');
  el.className = 'rig-summary muted';
  el.dataset.testid = 'rig-summary';
  el.setAttribute('role', 'status');
  anchor.after(el);
  const render = () => {
    const cameras = [...store.devices.values()].filter((d) => d.role === 'camera').map((d) => ({ id: d.id, name: d.name || d.id, tags: d.tags ?? [], health: store.health.get(d.id) }));
    const text = summarizeRig(cameras);
    el.textContent = text;
    el.hidden = !text;
  };
  store.on('topology', render);
  store.on('health', render);
  render();
}
