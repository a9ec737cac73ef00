/** The dashboard's HTTP client: JSON in and out, server errors turned into readable Errors. */
import { csrfHeader } from './auth.ts';
import type { Alert, DeviceHealth } from '../topology/health-types.ts';
import type { Device, Topology } from '../topology/model.ts';
import type { ImportReport } from '../topology/inventory.ts';
import type { DeviceReach } from '../topology/reach.ts';
import type { CertPin } from '../topology/trust/pins.ts';

/** A device as `/api/topology` serves it once live health is wired; `health` may be absent. */
export type LiveDevice = Device & { health?: DeviceHealth };
export type LiveTopology = Omit<Topology, 'devices'> & { devices: LiveDevice[] };
export interface ReachDoc { viewer: { network: 'lan' | 'tailscale'; address: string | null }; devices: Record<string, DeviceReach> }
export interface AlertsDoc { open: Alert[]; recent: Alert[] }

/** An HTTP failure with the server's code, when it sent one. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

/** One JSON request; views with their own endpoints (discovery, Tailscale) call it directly. */
export async function request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json', ...(method === 'GET' ? {} : csrfHeader()) } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': contentType };
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { message?: string; code?: string } } | null)?.error;
    throw new ApiError(err?.message ?? `${method} ${path} failed (${res.status})`, res.status, err?.code);
  }
  return json as T;
}

export const api = {
  topology: () => request<LiveTopology>('GET', '/api/topology'),
  reach: () => request<ReachDoc>('GET', '/api/reach'),
  alerts: () => request<AlertsDoc>('GET', '/api/alerts'),
  ackAlert: (id: number) => request<unknown>('POST', `/api/alerts/${id}/ack`, {}),
  /** Re-trust a device whose https certificate changed (operator). */
  trustDevice: (id: string) => request<unknown>('POST', `/api/devices/${encodeURIComponent(id)}/trust`, {}),
  devicePins: (id: string) => request<{ pins: CertPin[] }>('GET', `/api/devices/${encodeURIComponent(id)}/trust`),
  deviceHealth: (id: string) => request<Record<string, unknown>>('GET', `/api/devices/${encodeURIComponent(id)}/health`),
  createDevice: (input: unknown) => request<Device>('POST', '/api/devices', input),
  updateDevice: (id: string, patch: unknown) => request<Device>('PATCH', `/api/devices/${encodeURIComponent(id)}`, patch),
  removeDevice: (id: string) => request<unknown>('DELETE', `/api/devices/${encodeURIComponent(id)}`),
  importInventory: (text: string, format: 'json' | 'csv') =>
    request<ImportReport>('POST', `/api/import?format=${format}`, text, format === 'csv' ? 'text/csv' : 'application/json'),
};
