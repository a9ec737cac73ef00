/**
 * The Discovered inbox: nodes found by Bonjour, `.local` probes and subnet
 * scans, each matched to a known device or offered as a new one (accept, with
 * id / role / name editable first, or ignore). A scan form with live progress
 * and Cancel, a `.local` names probe, and live updates from `device.discovered`.
 */
import type { DeviceDiscoveredEvent, Discovered, DiscoveredStatus } from '../../topology/discovery/types.ts';
import type { ScanState } from '../../topology/discovery/scans.ts';
import type { HostProbeResult } from '../../topology/discovery/mdns-prober.ts';
import { ROLES } from '../constants.ts';
import { ApiError, request } from '../api.ts';
import { ago, esc, toast } from '../format.ts';
import { openAcceptDialog } from './discovered-accept.ts';

const STATUSES: DiscoveredStatus[] = ['new', 'matched', 'accepted', 'ignored'];
const STATUS_CLASS: Record<DiscoveredStatus, string> = { new: 'degraded', matched: 'up', accepted: 'up', ignored: 'unknown' };
/** How often a running scan's progress is read. */
const SCAN_POLL_MS = 400;

function row(d: Discovered): string {
  const where = `${d.ip ?? d.hostname ?? '?'}:${d.port}`;
  // A Blackmagic Camera phone: camera name, model, app version and its device_id (the identity rigmap keeps).
  const phone = d.info?.kind === 'blackmagic';
  const info = d.info
    ? [phone && d.info.cameraName ? `camera ${String(d.info.cameraName)}` : '', d.info.model, d.info.os, d.info.appVersion ? `${phone ? 'Blackmagic Camera ' : 'app '}${d.info.appVersion}` : '', phone && d.info.deviceId ? `device_id ${String(d.info.deviceId)}` : ''].filter(Boolean).join(' · ')
    : 'no /api/v1/info answer';
  const match = d.matchedDeviceId ? `<span class="mono">${esc(d.matchedDeviceId)}</span> <span class="muted">by ${esc(d.matchedBy ?? 'accept')}</span>` : '<span class="muted">—</span>';
  const actions = d.status === 'new'
    ? `<button type="button" data-accept="${d.id}" aria-label="Accept ${esc(d.suggestion.id)} into the map">Accept…</button>
       <button type="button" data-ignore="${d.id}" aria-label="Ignore ${esc(d.suggestion.id)}">Ignore</button>`
    : d.status === 'ignored' ? `<button type="button" data-accept="${d.id}" aria-label="Accept ${esc(d.suggestion.id)} into the map">Accept…</button>` : '';
  return `<tr data-discovered="${d.id}" data-status="${esc(d.status)}">
    <td><span class="state ${STATUS_CLASS[d.status]}">${esc(d.status)}</span>${d.goneAt ? `<div class="muted">gone ${esc(ago(d.goneAt))}</div>` : ''}</td>
    <td><strong>${esc(d.name ?? d.suggestion.name ?? d.suggestion.id)}</strong><div class="muted mono">${esc(d.nodeId ?? d.suggestion.id)} · ${esc(d.suggestion.role)}</div></td>
    <td class="mono">${esc(where)}${d.hostname && d.ip ? `<div class="muted">${esc(d.hostname)}</div>` : ''}</td>
    <td>${esc(info)}</td>
    <td>${esc(d.source)}</td>
    <td>${match}</td>
    <td>${esc(ago(d.lastSeen))}</td>
    <td class="actions">${actions}</td></tr>`;
}

const HEAD = `<thead><tr>${['Status', 'Node', 'Address', 'Info', 'Found by', 'Device', 'Last seen', ''].map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>`;

/** The Discovered view and its nav badge (count of new items). */
export class DiscoveredView {
  private items = new Map<number, Discovered>();
  private filter: DiscoveredStatus | '' = '';
  private scanId: string | null = null;
  private scanTimer = 0;

  constructor(private readonly el: HTMLElement, private readonly badge: HTMLElement | null) {
    el.innerHTML = `
      <h2>Discovered <span class="muted" data-slot="bonjour"></span></h2>
      <div class="toolbar">
        <form data-form="scan" class="inline-form" aria-label="Scan a subnet">
          <label>Range (CIDR) <input name="cidr" placeholder="192.168.1.0/24 (empty: this LAN)" size="22"></label>
          <label>Port <input name="port" inputmode="numeric" placeholder="8080" size="6"></label>
          <label class="check"><input type="checkbox" name="force"> wider than /16</label>
          <button type="submit" data-action="scan">Scan</button>
        </form>
        <form data-form="hosts" class="inline-form" aria-label="Probe .local names">
          <label>.local names <input name="hosts" placeholder="cam-a.local, cam-b.local (empty: the map's)" size="28"></label>
          <button type="submit" data-action="probe">Probe</button>
        </form>
      </div>
      <div data-slot="scan" aria-live="polite"></div>
      <div data-slot="hosts" aria-live="polite"></div>
      <div class="toolbar">
        <label>Status <select data-filter="status"><option value="">all</option>${STATUSES.map((s) => `<option>${s}</option>`).join('')}</select></label>
        <button type="button" data-action="refresh">Refresh</button>
      </div>
      <div data-slot="list"><p class="muted">Loading…</p></div>`;
    el.querySelector<HTMLFormElement>('[data-form="scan"]')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.startScan(e.target as HTMLFormElement);
    });
    el.querySelector<HTMLFormElement>('[data-form="hosts"]')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.probeHosts(e.target as HTMLFormElement);
    });
    el.querySelector<HTMLSelectElement>('[data-filter="status"]')!.addEventListener('input', (e) => {
      this.filter = (e.target as HTMLSelectElement).value as DiscoveredStatus | '';
      this.render();
    });
    el.querySelector('[data-action="refresh"]')!.addEventListener('click', () => void this.load());
    el.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      const accept = t.closest<HTMLButtonElement>('button[data-accept]');
      if (accept) this.accept(Number(accept.dataset.accept));
      const ignore = t.closest<HTMLButtonElement>('button[data-ignore]');
      if (ignore) void this.ignore(Number(ignore.dataset.ignore), ignore);
      if (t.closest('button[data-action="cancel-scan"]')) void this.cancelScan();
    });
  }

  /** Read the whole inbox (filtering is done here, so the badge always counts every new item). */
  async load(): Promise<void> {
    try {
      const doc = await request<{ discovered: Discovered[]; bonjour: { browsing: boolean } }>('GET', '/api/discovered');
      this.items = new Map(doc.discovered.map((d) => [d.id, d]));
      this.el.querySelector('[data-slot="bonjour"]')!.textContent = doc.bonjour.browsing ? '(Bonjour: browsing)' : '(Bonjour: off)';
      this.render();
    } catch (err) {
      // A server without discovery keeps the rest of the dashboard working.
      const msg = err instanceof ApiError && err.status === 404 ? 'This server has no discovery (no /api/discovered).' : `Could not read the inbox: ${(err as Error).message}`;
      this.el.querySelector('[data-slot="list"]')!.innerHTML = `<p class="muted">${esc(msg)}</p>`;
    }
  }

  /** A `device.discovered` event: patch one row in place. */
  apply(event: DeviceDiscoveredEvent): void {
    this.items.set(event.discovered.id, event.discovered);
    this.render();
  }

  render(): void {
    const order: Record<DiscoveredStatus, number> = { new: 0, matched: 1, accepted: 2, ignored: 3 };
    const all = [...this.items.values()].sort((a, b) => order[a.status] - order[b.status] || b.lastSeen.localeCompare(a.lastSeen));
    const fresh = all.filter((d) => d.status === 'new').length;
    if (this.badge) {
      this.badge.hidden = fresh === 0;
      this.badge.textContent = String(fresh);
      this.badge.setAttribute('aria-label', `${fresh} new discovered nodes`);
    }
    const shown = this.filter ? all.filter((d) => d.status === this.filter) : all;
    this.el.querySelector('[data-slot="list"]')!.innerHTML = shown.length
      ? `<table data-testid="discovered-table">${HEAD}<tbody>${shown.map(row).join('')}</tbody></table>`
      : `<p class="muted" data-testid="discovered-empty">Nothing ${this.filter ? esc(this.filter) : 'discovered yet'}. Scan a range or probe .local names above; Bonjour announcements land here by themselves.</p>`;
  }

  private accept(id: number): void {
    const d = this.items.get(id);
    if (!d) return;
    openAcceptDialog({
      discovered: d,
      roles: ROLES,
      submit: async (overrides) => {
        const res = await request<{ device: { id: string }; discovered: Discovered }>('POST', `/api/discovered/${id}/accept`, overrides);
        this.items.set(res.discovered.id, res.discovered);
        this.render();
        toast(`${res.device.id} added to the map`);
      },
    });
  }

  private async ignore(id: number, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      const res = await request<Discovered | { discovered: Discovered }>('POST', `/api/discovered/${id}/ignore`, {});
      const d = 'discovered' in res ? res.discovered : res;
      if (d && typeof d.id === 'number') this.items.set(d.id, d);
      this.render();
    } catch (err) {
      btn.disabled = false;
      toast(`could not ignore: ${(err as Error).message}`);
    }
  }

  private async startScan(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const cidr = String(data.get('cidr') ?? '').trim();
    const port = String(data.get('port') ?? '').trim();
    const body = { ...(cidr ? { cidr: cidr.includes(',') ? cidr.split(/[,\s]+/).filter(Boolean) : cidr } : {}), ...(port ? { port: Number(port) } : {}), ...(data.get('force') ? { force: true } : {}) };
    const slot = this.el.querySelector<HTMLElement>('[data-slot="scan"]')!;
    try {
      const scan = await request<ScanState>('POST', '/api/discovery/scan', body);
      this.scanId = scan.id;
      this.showScan(scan);
      this.pollScan();
    } catch (err) {
      slot.innerHTML = `<p class="error-text" role="alert">${esc((err as Error).message)}</p>`;
    }
  }

  private pollScan(): void {
    window.clearTimeout(this.scanTimer);
    this.scanTimer = window.setTimeout(async () => {
      const id = this.scanId;
      if (!id) return;
      try {
        const scan = await request<ScanState>('GET', `/api/discovery/scans/${encodeURIComponent(id)}`);
        this.showScan(scan);
        if (scan.state === 'running') this.pollScan();
        else {
          this.scanId = null;
          await this.load();
        }
      } catch (err) {
        this.scanId = null;
        this.el.querySelector('[data-slot="scan"]')!.innerHTML = `<p class="error-text">${esc((err as Error).message)}</p>`;
      }
    }, SCAN_POLL_MS);
  }

  private showScan(s: ScanState): void {
    const running = s.state === 'running';
    const what = running ? 'Scanning' : s.state === 'done' ? 'Scanned' : s.state === 'cancelled' ? 'Cancelled scan of' : 'Scan failed:';
    this.el.querySelector('[data-slot="scan"]')!.innerHTML = `<div class="scan" data-testid="scan" data-state="${esc(s.state)}">
      ${esc(what)} <span class="mono">${esc(s.cidrs.join(', '))}</span> port ${esc(s.port)}
      <progress max="${Math.max(1, s.total)}" value="${s.done}" aria-label="Scan progress"></progress>
      <span>${s.done} / ${s.total} hosts · found ${s.found}${s.durationMs !== null ? ` · ${(s.durationMs / 1000).toFixed(1)} s` : ''}</span>
      ${running ? '<button type="button" data-action="cancel-scan">Cancel</button>' : ''}
      ${s.error ? `<span class="error-text">${esc(s.error)}</span>` : ''}</div>`;
  }

  private async cancelScan(): Promise<void> {
    const id = this.scanId;
    if (!id) return;
    try {
      this.showScan(await request<ScanState>('DELETE', `/api/discovery/scans/${encodeURIComponent(id)}`));
    } catch (err) {
      toast(`could not cancel: ${(err as Error).message}`);
    }
  }

  private async probeHosts(form: HTMLFormElement): Promise<void> {
    const raw = String(new FormData(form).get('hosts') ?? '').trim();
    const hosts = raw ? raw.split(/[,\s]+/).filter(Boolean) : undefined;
    const slot = this.el.querySelector<HTMLElement>('[data-slot="hosts"]')!;
    slot.innerHTML = '<p class="muted">Asking the network…</p>';
    try {
      const { results } = await request<{ results: HostProbeResult[] }>('POST', '/api/discovery/hosts', hosts ? { hosts } : {});
      slot.innerHTML = results.length
        ? `<ul data-testid="hosts-results">${results.map((r) => `<li><span class="mono">${esc(r.hostname)}</span>: ${r.problem ? `<span class="muted">${esc(r.problem)}</span>` : `${esc(r.ips.join(', '))} · ${r.discovered.length} node(s)`}</li>`).join('')}</ul>`
        : '<p class="muted">The map has no .local names to probe.</p>';
      await this.load();
    } catch (err) {
      slot.innerHTML = `<p class="error-text" role="alert">${esc((err as Error).message)}</p>`;
    }
  }
}
