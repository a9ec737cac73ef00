/**
 * The device panel: addresses with copy buttons, services, per-path state with
 * the last error, a latency sparkline and 24 h availability, battery / thermal /
 * storage, the latest snapshot, recent transitions, and links that open the node
 * through the address that works for this viewer.
 */
import type { PathHealth } from '../../topology/health-types.ts';
import type { Network } from '../../topology/model.ts';
import { api } from '../api.ts';
import { ago, bytes, copyText, esc, ms, toast } from '../format.ts';
import { networkState, type Store } from '../state.ts';
import { cameraRows } from './panel-camera.ts';
import { renderHistory } from './panel-history.ts';
import { renderTrust } from './panel-trust.ts';
import { tailscaleQualityHtml } from '../tailscale-paths.ts';
import { anyPathUsable, nodeLinks, showLive, stopLive } from '../node-links.ts';
import { mountPhonePreview } from './panel-phone.ts';

/** The panel's live preview: full size, the node's default rate. */
export const PANEL_LIVE = { fps: 10, width: 480 };

const NET_LABEL: Record<Network, string> = { lan: 'LAN', tailscale: 'Tailscale' };

function reachNote(store: Store, deviceId: string): string {
  const r = store.reach.get(deviceId);
  if (!r) return '';
  const health = store.health.get(deviceId);
  const notes: string[] = [];
  if (r.note) notes.push(esc(r.note));
  if (r.preferred && r.other) {
    const mine = networkState(health, r.preferred.network);
    const theirs = networkState(health, r.other.network);
    if (mine.state === 'down' && theirs.state === 'up') {
      notes.push(`Your ${NET_LABEL[r.preferred.network]} path to this device is down, but its ${NET_LABEL[r.other.network]} path is up` +
        (r.other.baseUrl ? ` (<a href="${esc(r.other.baseUrl + (r.apiPath ?? ''))}/status" target="_blank" rel="noopener">try ${esc(r.other.host)}</a>)` : '') + '.');
    }
  }
  return notes.map((n) => `<p class="note" data-testid="reach-note">${n}</p>`).join('');
}

function pathRow(p: PathHealth): string {
  const extra = [p.flapping ? 'flapping' : '', p.tailscaleQuality ? `via ${p.tailscaleQuality}` : '', p.heartbeatAgeMs !== null && p.heartbeatAgeMs !== undefined ? `heartbeat ${(p.heartbeatAgeMs / 1000).toFixed(1)} s` : '']
    .filter(Boolean).join(' · ');
  return `<tr data-network="${esc(p.network)}" data-state="${esc(p.state)}">
    <td>${esc(NET_LABEL[p.network] ?? p.network)}<div class="mono muted">${esc(p.address)}:${esc(p.port)}</div></td>
    <td><span class="state ${esc(p.state)}">${esc(p.state.replace(/_/g, ' '))}</span><div class="muted">${esc(ago(p.since))}</div></td>
    <td>${esc(ms(p.latencyMs) || '—')}${extra ? `<div class="muted">${esc(extra)}</div>` : ''}</td>
  </tr>${p.lastError ? `<tr><td colspan="3" class="error-text" data-testid="path-error">${esc(p.lastError)}</td></tr>` : ''}`;
}

/** The panel, bound to the store; `open(id)` shows a device, `close()` hides it. */
export class DevicePanel {
  deviceId: string | null = null;
  private historyTimer = 0;
  /** device, whether it was untrusted and whether it was up when its pins were last fetched: fetch again when that changes. */
  private pinsOf = '';

  constructor(private readonly el: HTMLElement, private readonly store: Store, private readonly onClose: () => void) {
    store.on('health', ({ deviceId }) => {
      if (deviceId !== this.deviceId) return;
      this.render(false);
      // A transition just happened: refresh the history, at most once a second.
      window.clearTimeout(this.historyTimer);
      this.historyTimer = window.setTimeout(() => void this.loadHistory(), 1000);
      this.loadPinsIfChanged();
    });
    store.on('topology', () => this.deviceId && (store.devices.has(this.deviceId) ? this.render(false) : this.close()));
    store.on('reach', () => this.deviceId && this.render(false));
    el.addEventListener('keydown', (e) => e.key === 'Escape' && this.close());
  }

  open(deviceId: string): void {
    this.deviceId = deviceId;
    this.el.hidden = false;
    this.render(true);
    this.el.querySelector<HTMLElement>('h2')?.focus();
    void this.loadHistory();
    this.pinsOf = '';
    this.loadPinsIfChanged();
  }

  close(): void {
    if (this.deviceId === null) return;
    this.deviceId = null;
    this.el.hidden = true;
    for (const img of this.el.querySelectorAll<HTMLImageElement>('img')) stopLive(img);
    this.el.innerHTML = '';
    window.clearTimeout(this.historyTimer);
    this.onClose();
  }

  private render(withSnapshot: boolean): void {
    const id = this.deviceId;
    const d = id ? this.store.devices.get(id) : undefined;
    if (!id || !d) return;
    const health = this.store.health.get(id);
    const state = health?.state ?? 'unknown';
    const r = this.store.reach.get(id);
    const status = health?.status ?? null;
    const openLink = r?.preferred?.baseUrl
      ? `<p>Open from here (${esc(NET_LABEL[r.preferred.network])}): <a data-testid="open-node" href="${esc(r.preferred.baseUrl + (r.apiPath ?? ''))}${r.apiPath ? '/status' : ''}" target="_blank" rel="noopener">${esc(r.preferred.baseUrl)}</a></p>` : '';
    const addresses = d.addresses.map((a) => {
      const value = a.ip ?? a.hostname ?? '';
      return `<dt>${esc(NET_LABEL[a.network])}</dt><dd><span class="mono">${esc(value)}</span>${a.ip && a.hostname ? ` <span class="muted mono">${esc(a.hostname)}</span>` : ''}
        <button type="button" class="copy" data-copy="${esc(value)}" aria-label="Copy ${esc(NET_LABEL[a.network])} address ${esc(value)}">Copy</button></dd>`;
    }).join('') || '<dt>—</dt><dd class="muted">no address</dd>';
    const services = d.services.map((s) => `<li class="mono">${esc(s.name)} ${esc(s.protocol)}:${esc(s.port)}${esc(s.path ?? '')}</li>`).join('') || '<li class="muted">none</li>';
    const paths = health?.paths.length ? `<table><tbody>${health.paths.map(pathRow).join('')}</tbody></table>` : '<p class="muted">No probe results yet.</p>';
    const statusHtml = status ? `<dl class="kv">
        <dt>Node</dt><dd>${esc(status.state)}</dd>
        <dt>Battery</dt><dd>${Math.round(status.battery.level * 100)} %${status.battery.charging ? ' (charging)' : ''}</dd>
        <dt>Thermal</dt><dd>${esc(status.thermal)}</dd>
        <dt>Storage</dt><dd>${bytes(status.storage.freeBytes)} free of ${bytes(status.storage.totalBytes)}</dd></dl>` : '<p class="muted">No status reported.</p>';
    const keepHistory = this.el.querySelector('[data-slot="history"]')?.innerHTML ?? '<p class="muted">Loading…</p>';
    const keepTrust = this.el.querySelector('[data-slot="trust"]')?.innerHTML ?? '';
    const keepSnap = withSnapshot ? null : this.el.querySelector('[data-slot="snapshot"]');
    // Another device (or a fresh open): the old picture's stream must end, not linger detached.
    if (withSnapshot) for (const img of this.el.querySelectorAll<HTMLImageElement>('img')) stopLive(img);
    const ns = (n: Network) => networkState(health, n).state;
    // A live re-render must not steal keyboard focus from whoever is in the panel.
    const focused = this.el.contains(document.activeElement) ? document.activeElement as HTMLElement : null;
    const focusKey = focused ? (focused.tagName === 'H2' ? 'h2' : focused.getAttribute('aria-label')) : null;
    this.el.innerHTML = `
      <button type="button" class="close" aria-label="Close device details">✕</button>
      <h2 tabindex="-1">${esc(d.name || d.id)}</h2>
      <p><span class="state ${esc(state)}" data-testid="device-state">${esc(state)}</span> <span class="muted">${esc(d.role)} · ${esc(d.id)}${d.model ? ' · ' + esc(d.model) : ''}</span></p>
      <div data-slot="snapshot"></div>
      ${reachNote(this.store, id)}
      ${health?.paths.some((p) => p.state === 'untrusted') ? `<p class="untrusted" data-testid="untrusted">Certificate changed: possible impersonation; nothing is sent to it. <button type="button" class="trust" aria-label="Trust the new certificate of ${esc(id)}">Trust new certificate</button></p>` : ''}
      ${openLink}
      <h3>Addresses</h3><dl class="kv">${addresses}</dl>
      <h3>Paths</h3><p class="muted">LAN ${esc(ns('lan'))} · Tailscale ${esc(ns('tailscale'))}</p>${tailscaleQualityHtml(id)}${paths}
      <h3>History</h3><div data-slot="history">${keepHistory}</div>
      <h3>Node status</h3>${cameraRows(health)}${statusHtml}
      <h3>Services</h3><ul>${services}</ul>
      <div data-slot="trust">${keepTrust}</div>`;
    const snapSlot = this.el.querySelector<HTMLElement>('[data-slot="snapshot"]')!;
    if (keepSnap) snapSlot.replaceWith(keepSnap);
    this.renderSnapshot(keepSnap as HTMLElement ?? snapSlot, id);
    this.el.querySelector('.close')?.addEventListener('click', () => this.close());
    // Re-trust (operator, audited): pins the certificate the device shows now and resolves certificate_changed.
    this.el.querySelector('button.trust')?.addEventListener('click', () => api.trustDevice(id).then(() => { toast(`re-trusted ${id}`); this.pinsOf = ''; this.loadPinsIfChanged(); }, (err: Error) => toast(`trust failed: ${err.message}`)));
    if (focusKey === 'h2') this.el.querySelector<HTMLElement>('h2')?.focus();
    else if (focusKey) [...this.el.querySelectorAll<HTMLElement>('[aria-label]')].find((e) => e.getAttribute('aria-label') === focusKey)?.focus();
    for (const b of this.el.querySelectorAll<HTMLButtonElement>('button.copy')) {
      b.addEventListener('click', () => copyText(b.dataset.copy ?? '').then(() => toast(`copied ${b.dataset.copy}`), () => toast('copy failed')));
    }
  }

  /**
   * The live preview, straight from the node or through rigmap when the viewer's
   * path is down (node-links.ts); called on every render, it only touches the
   * image when the link changed, so the stream is not restarted.
   */
  private renderSnapshot(slot: HTMLElement, id: string): void {
    const links = nodeLinks(this.store, id);
    // A phone: its picture is its livestream, started on request, with the stream's health (panel-phone.ts).
    if (links?.livestream) return mountPhonePreview(slot, id, PANEL_LIVE.fps);
    const old = slot.querySelector<HTMLImageElement>('img.snapshot');
    if (!links || !anyPathUsable(this.store, id)) {
      if (old) stopLive(old);
      const why = links ? 'Every path to this device is down: no picture.' : 'This device serves no snapshot.';
      if (slot.dataset.empty !== why) {
        slot.innerHTML = `<p class="muted">${why}</p>`;
        slot.dataset.empty = why;
      }
      return;
    }
    delete slot.dataset.empty;
    let img = old;
    if (!img) {
      slot.innerHTML = `<img class="snapshot preview" data-testid="preview" alt="Live preview of ${esc(id)}"><p class="muted small" data-slot="via"></p>`;
      img = slot.querySelector<HTMLImageElement>('img.snapshot')!;
    }
    img.dataset.via = links.via;
    const via = slot.querySelector('[data-slot="via"]');
    if (via) via.textContent = links.via === 'direct' ? 'Straight from the node.' : 'Through rigmap (your path to the node is down or missing).';
    showLive(img, links, PANEL_LIVE);
  }

  /**
   * The pinned certificates, fetched on open, when the device is first reached (or reached
   * again: a panel opened before the first https contact has no pin to show until then),
   * and whenever it turns untrusted or trusted again.
   */
  private loadPinsIfChanged(): void {
    const id = this.deviceId;
    if (!id) return;
    const paths = this.store.health.get(id)?.paths ?? [];
    const key = `${id}\t${paths.some((p) => p.state === 'untrusted')}\t${paths.some((p) => p.state === 'up')}`;
    if (key === this.pinsOf) return;
    this.pinsOf = key;
    api.devicePins(id).then(({ pins }) => {
      const slot = this.deviceId === id ? this.el.querySelector('[data-slot="trust"]') : null;
      if (slot) slot.innerHTML = renderTrust(pins);
    }, () => {
      this.pinsOf = ''; // try again at the next change
    });
  }

  private async loadHistory(): Promise<void> {
    const id = this.deviceId;
    if (!id) return;
    let html: string;
    try {
      html = renderHistory(await api.deviceHealth(id));
    } catch (err) {
      html = `<p class="muted">History unavailable: ${esc((err as Error).message)}</p>`;
    }
    if (this.deviceId !== id) return;
    const slot = this.el.querySelector('[data-slot="history"]');
    if (slot) slot.innerHTML = html;
  }
}
