/** Shared bits of the lab tests: the skip reason, alert and health look-ups, bounded waits. */
import type { Alert, DeviceHealth } from '../../src/topology/health-types.ts';
import { labUnavailable } from './netns.ts';
import type { RigLab } from './rig-lab.ts';

/** Null when the lab can run; else why not (shown as the skipped suite's name). */
export const labSkipReason = labUnavailable();

/** The describe name: says why the lab tests were skipped. */
export const labTitle = (what: string) => (labSkipReason ? `${what} (skipped: ${labSkipReason})` : what);

/** Open and recent alerts. */
export const alertsOf = (lab: RigLab) => lab.get<{ open: Alert[]; recent: Alert[] }>('/api/alerts?limit=500');

/** Every alert raised after `sinceId`, open or resolved. */
export async function raisedSince(lab: RigLab, sinceId: number): Promise<Alert[]> {
  const { open, recent } = await alertsOf(lab);
  return [...open, ...recent].filter((a) => a.id > sinceId).sort((a, b) => a.id - b.id);
}

/** The highest alert id so far (alerts after it are this test's). */
export async function lastAlertId(lab: RigLab): Promise<number> {
  const { open, recent } = await alertsOf(lab);
  return Math.max(0, ...[...open, ...recent].map((a) => a.id));
}

export const healthOf = (lab: RigLab, id: string) => lab.get<DeviceHealth>(`/api/devices/${id}/health`);

/** Poll every 100 ms until `check` returns a value, or fail after `ms` with `what`. */
export async function waitUntil<T>(what: string, ms: number, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (let i = 0; ; i++) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every camera (and the hotspot) up, every alert closed: the rig at rest before a fault. */
export async function waitAllUp(lab: RigLab, ms = 90_000): Promise<void> {
  let last = '';
  await waitUntil('every device up and no alert open', ms, async () => {
    const states = await Promise.all(['hotspot', ...lab.cameraIds].map(async (id) => `${id} ${(await healthOf(lab, id)).state}`));
    const open = (await alertsOf(lab)).open;
    last = `${states.join(', ')}; open: ${alertTags(open).join(', ') || 'none'}`;
    return states.every((s) => s.endsWith(' up')) && open.length === 0;
  }).catch((err: Error) => {
    throw new Error(`${err.message} (last: ${last})`);
  });
}

/** "kind:device[:network]" per alert, for comparing what was raised. */
export const alertTags = (list: Alert[]) => list.map((a) => `${a.kind}:${a.deviceId}${a.network ? `:${a.network}` : ''}`);
