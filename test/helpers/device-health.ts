/**
 * `GET /api/devices/:id/health` as the tests read it: one helper instead of a
 * copy per test file. `call` is how the test reaches the server (fetch on a base
 * URL, or an app's `request`).
 */
import type { DeviceHealth } from '../../src/topology/health-types.ts';
import type { availability24h, latencySeries, listTransitions } from '../../src/topology/history/queries.ts';

/** The answer of the health route: live health plus history. */
export type DeviceHealthView = DeviceHealth & {
  transitions: ReturnType<typeof listTransitions>;
  latency: ReturnType<typeof latencySeries>;
  availability24h: ReturnType<typeof availability24h>;
  tailnet: unknown;
};

/** A base URL (`http://127.0.0.1:PORT`) or a function answering a path (e.g. `app.request`). */
export type HealthCall = string | ((path: string) => Response | Promise<Response>);

/** One device's health view. */
export async function fetchDeviceHealth(call: HealthCall, id: string): Promise<DeviceHealthView> {
  const path = `/api/devices/${encodeURIComponent(id)}/health`;
  const res = typeof call === 'string' ? await fetch(call + path) : await call(path);
  return (await res.json()) as DeviceHealthView;
}
