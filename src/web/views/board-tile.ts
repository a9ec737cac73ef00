/**
 * One rig-board tile's text: name, role, the two path indicators (LAN and
 * Tailscale: up, down, unknown, out of scope, none; latency in the title),
 * battery, thermal, free storage, recording, the open alert, and what other
 * parts add to the health when present (recording details, runway, clock
 * offset, Tailscale path quality, camera protocol). Pure: data in, HTML out.
 */
import type { Alert, DeviceHealth } from '../../topology/health-types.ts';
import type { Network } from '../../topology/model.ts';
import type { LiveDevice } from '../api.ts';
import { lookSummary } from '../../topology/look/format.ts';
import { bytes, esc, ms } from '../format.ts';
import { pathStateOf } from '../node-links.ts';
import { networkState } from '../state.ts';

const NET: Record<Network, { short: string; long: string }> = { lan: { short: 'LAN', long: 'LAN' }, tailscale: { short: 'TS', long: 'Tailscale' } };
const PATH_WORD: Record<string, string> = { up: 'up', down: 'DOWN', unknown: 'unknown', out_of_scope: 'out of scope', untrusted: 'UNTRUSTED (certificate changed)', none: 'no address' };

/** Fields other parts of rigmap may add to a device's health or status; shown only when present. */
interface Extras {
  recording?: { since?: string; clip?: string; bitrateBps?: number } | null;
  runway?: { storageMinutes?: number | null; batteryMinutes?: number | null };
  clock?: { offsetMs?: number; uncertaintyMs?: number };
  protocol?: string;
}

function pathBadge(device: LiveDevice, health: DeviceHealth | undefined, network: Network, quality: string | null): string {
  const ns = { ...networkState(health, network), state: pathStateOf(device, health, network) };
  const latency = ns.state === 'up' && ns.latencyMs !== null ? `, ${ms(ns.latencyMs)}` : '';
  const via = network === 'tailscale' && quality ? `, via ${quality}` : '';
  const why = ns.state === 'down' && ns.error ? `: ${ns.error}` : '';
  const title = `${NET[network].long} path ${PATH_WORD[ns.state] ?? ns.state}${latency}${via}${why}`;
  return `<span class="pathind ${esc(ns.state)}${via && quality !== 'direct' ? ' relayed' : ''}" data-net="${network}" title="${esc(title)}" aria-label="${esc(title)}">${NET[network].short}</span>`;
}

const minutes = (m: number | null | undefined) => (typeof m === 'number' && Number.isFinite(m) ? (m >= 120 ? `${Math.round(m / 60)} h` : `${Math.round(m)} min`) : null);

/** The tile's inner HTML (the thumbnail slot is kept by the caller across updates). */
export function tileBody({ device, health, alert, quality, odd }: {
  device: LiveDevice; health: DeviceHealth | undefined; alert: Alert | undefined; quality: string | null;
  /** Why this camera is the odd one out of its group's format (src/topology/look/conformance.ts), if it is. */
  odd?: string[];
}): string {
  const state = health?.state ?? 'unknown';
  const status = health?.status ?? null;
  const extra = { ...(health as unknown as Extras | undefined), ...(status as unknown as Extras | null) } as Extras;
  const facts: string[] = [];
  if (status) {
    const low = status.battery.level < 0.15 && !status.battery.charging;
    facts.push(`<span class="${low ? 'warn' : ''}" title="battery${status.battery.charging ? ', charging' : ''}">bat ${Math.round(status.battery.level * 100)} %${status.battery.charging ? ' +' : ''}</span>`);
    facts.push(`<span class="thermal ${esc(status.thermal)}" title="thermal state">${esc(status.thermal)}</span>`);
    facts.push(`<span title="free storage of ${esc(bytes(status.storage.totalBytes))}">${esc(bytes(status.storage.freeBytes))} free</span>`);
  }
  const rec = status?.state === 'recording' || (extra.recording !== undefined && extra.recording !== null);
  const recText = extra.recording
    ? `REC${extra.recording.clip ? ` ${esc(extra.recording.clip)}` : ''}${extra.recording.bitrateBps ? ` · ${Math.round(extra.recording.bitrateBps / 1e6)} Mbit/s` : ''}`
    : 'REC';
  const runway = extra.runway ? [minutes(extra.runway.storageMinutes) && `storage ${minutes(extra.runway.storageMinutes)}`, minutes(extra.runway.batteryMinutes) && `battery ${minutes(extra.runway.batteryMinutes)}`].filter(Boolean).join(' · ') : '';
  const clock = typeof extra.clock?.offsetMs === 'number' ? `clock ${extra.clock.offsetMs > 0 ? '+' : ''}${Math.round(extra.clock.offsetMs)} ms` : '';
  const more = [runway && `runway ${runway}`, clock, extra.protocol && extra.protocol !== 'camera-node' ? extra.protocol : ''].filter(Boolean);
  const stateWord = state === 'down' ? 'DOWN' : state;
  // Format, ISO, white balance, shutter: what the camera records; the odd one out of its group is marked.
  const look = lookSummary(status?.look);
  const oddText = odd?.length ? odd.join('; ') : '';
  const lookLine = look || oddText
    ? `<div class="tile-line small look${oddText ? ' odd' : ''}" data-testid="tile-look"${oddText ? ` title="${esc(oddText)}"` : ''}>${oddText ? '<span class="odd-mark" aria-label="format differs">≠</span> ' : ''}${esc(look)}</div>`
    : '';
  return `<div class="tile-head"><span class="tile-name">${esc(device.name || device.id)}</span><span class="tile-role muted">${esc(device.role)}</span></div>
    <div class="tile-line"><span class="state ${esc(state)}" data-testid="tile-state">${esc(stateWord)}</span>${pathBadge(device, health, 'lan', null)}${pathBadge(device, health, 'tailscale', quality)}${rec ? `<span class="rec" title="recording">● ${recText}</span>` : ''}</div>
    ${facts.length ? `<div class="tile-line small">${facts.join('')}</div>` : ''}
    ${lookLine}
    ${more.length ? `<div class="tile-line small muted">${more.map(esc).join(' · ')}</div>` : ''}
    ${alert ? `<div class="tile-alert ${esc(alert.severity)}" role="note">⚠ ${esc(alert.message)}</div>` : ''}`;
}

/** What a screen reader says for a tile: one sentence with everything that matters. */
export function tileLabel({ device, health, alert, odd }: { device: LiveDevice; health: DeviceHealth | undefined; alert: Alert | undefined; odd?: string[] }): string {
  const state = health?.state ?? 'unknown';
  const s = health?.status;
  const parts = [`${device.name || device.id}, ${device.role}, ${state}`,
    `LAN ${PATH_WORD[pathStateOf(device, health, 'lan')]}`, `Tailscale ${PATH_WORD[pathStateOf(device, health, 'tailscale')]}`];
  if (s) parts.push(`battery ${Math.round(s.battery.level * 100)} percent`, `thermal ${s.thermal}`, `${bytes(s.storage.freeBytes)} free`, s.state === 'recording' ? 'recording' : s.state);
  const look = lookSummary(s?.look);
  if (look) parts.push(look);
  if (odd?.length) parts.push(...odd);
  if (alert) parts.push(`alert: ${alert.message}`);
  return parts.join('; ');
}
