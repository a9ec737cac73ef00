/**
 * Tailscale path quality per device (direct, derp, peer-relay, idle, offline),
 * from `GET /api/tailscale/paths`. Kept apart from the Store so the graph and the
 * panel can read it without a new topic: a change re-emits the device's `health`.
 */
import type { TailnetPathHealth } from '../topology/health-types.ts';
import type { PathQuality, TailscalePath } from '../topology/tailscale/path-quality.ts';
import { request } from './api.ts';
import { esc } from './format.ts';
import type { Store } from './state.ts';

/** What the dashboard shows of one device's Tailscale path. */
export interface PathQualityView {
  quality: PathQuality;
  summary: string;
  /** tailscaled's own round trip (disco ping), shown beside rigmap's HTTP latency of the paths. */
  pingMs?: number | null;
  pingVia?: string | null;
  relayedSince?: string | null;
  /** What tailscaled's ping said about a camera that stopped answering (phone alive, or off / out of range). */
  evidence?: string | null;
}

const byDevice = new Map<string, PathQualityView>();

/** The Tailscale path quality of a device, or null when Tailscale says nothing about it. */
export function tailscaleQualityOf(deviceId: string): PathQualityView | null {
  return byDevice.get(deviceId) ?? null;
}

interface PathsDoc {
  updatedAt: string | null;
  paths: Array<{ deviceId: string; online: boolean | null; path: TailscalePath | null; tailnet?: TailnetPathHealth | null }>;
}

/** Read the paths again and tell the graph and panel about each device whose quality changed. */
export async function refreshTailscalePaths({ store }: { store: Store }): Promise<void> {
  const doc = await request<PathsDoc>('GET', '/api/tailscale/paths');
  const next = new Map<string, PathQualityView>();
  for (const p of doc.paths) {
    // No Local API snapshot: the control plane's online flag still says "offline".
    if (p.path) {
      next.set(p.deviceId, { quality: p.path.quality, summary: p.path.summary, pingMs: p.tailnet?.ping?.rttMs ?? null, pingVia: p.tailnet?.ping?.via ?? null, relayedSince: p.tailnet?.relayedSince ?? null, evidence: p.tailnet?.ping?.evidence ?? null });
    }
    else if (p.online === false) next.set(p.deviceId, { quality: 'offline', summary: 'offline (control plane)' });
  }
  const changed = new Set<string>();
  const shown = (v: PathQualityView | undefined) => (v ? `${v.summary}|${v.pingMs ?? ''}|${v.pingVia ?? ''}|${v.evidence ?? ''}` : '');
  for (const [id, v] of next) if (shown(byDevice.get(id)) !== shown(v)) changed.add(id);
  for (const id of byDevice.keys()) if (!next.has(id)) changed.add(id);
  byDevice.clear();
  for (const [id, v] of next) byDevice.set(id, v);
  for (const deviceId of changed) store.emit('health', { deviceId });
}

/** The device panel's line about a device's Tailscale path (empty when Tailscale says nothing). */
export function tailscaleQualityHtml(deviceId: string): string {
  const q = byDevice.get(deviceId);
  if (!q) return '';
  const ping = q.pingMs !== null && q.pingMs !== undefined
    ? ` · <span data-testid="ts-ping">tailscaled ping ${esc(q.pingMs.toFixed(q.pingMs < 10 ? 1 : 0))} ms${q.pingVia ? ` (${esc(q.pingVia)})` : ''}</span>`
    : '';
  return `<p data-testid="ts-quality" data-quality="${esc(q.quality)}">Tailscale path: <span class="tsq ${esc(q.quality)}">${esc(q.quality)}</span> <span class="muted">${esc(q.summary)}</span>${ping}</p>${q.evidence ? `<p class="note" data-testid="ts-evidence">${esc(q.evidence)}</p>` : ''}`;
}

/** A `tailnet.path` event from the live stream: the device's path changed (direct ↔ relayed), no need to wait for the next poll. */
export function applyTailnetPath(store: Store, e: { deviceId: string; tailnet: TailnetPathHealth }): void {
  const t = e.tailnet;
  byDevice.set(e.deviceId, { quality: t.quality, summary: t.summary, pingMs: t.ping?.rttMs ?? null, pingVia: t.ping?.via ?? null, relayedSince: t.relayedSince, evidence: t.ping?.evidence ?? null });
  store.emit('health', { deviceId: e.deviceId });
}
