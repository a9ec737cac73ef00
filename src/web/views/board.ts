/**
 * The rig board (landing view): one tile per device, grouped by upstream
 * (everything behind a hotspot or router together), read at a glance: state,
 * LAN and Tailscale path indicators, battery, thermal, storage, recording, the
 * open alert, and a thumbnail (latest still, or live). Only tiles on screen
 * load pictures; links follow the viewer's working path (node-links.ts).
 * Tiles are focusable and arrow keys move between them; Enter opens details.
 */
import type { LiveDevice } from '../api.ts';
import { esc } from '../format.ts';
import { anyPathUsable, nodeLinks, pathStateOf, showLive, stopLive } from '../node-links.ts';
import type { Store } from '../state.ts';
import { tailscaleQualityOf } from '../tailscale-paths.ts';
import { judgeConformance, oddById } from '../../topology/look/conformance.ts';
import { tileBody, tileLabel } from './board-tile.ts';
import { markLiveToggle, OnScreenCards, putPicturesBack, stopAllLive, takePictures } from './picture-grid.ts';

/** Seconds between still refreshes of a visible tile. */
export const BOARD_STILL_MS = 3000;
/** Live thumbnails: small and slow, a board of 30 stays light. */
export const BOARD_LIVE = { fps: 2, width: 320 };
const TILE = '[data-testid="tile"]';
const THUMB = '[data-slot="thumb"]';
const ROLE_ORDER = ['hotspot', 'router', 'relay', 'camera', 'console', 'server', 'monitor', 'other'];

/**
 * Devices grouped by the upstream they are behind; the upstream heads its own group.
 * `upstreams` is `/api/topology`'s map (the server's one rule, which alert folding uses too).
 */
export function groupByUpstream(devices: LiveDevice[], upstreams: Readonly<Record<string, string>>): { id: string | null; title: string; devices: LiveDevice[] }[] {
  const byId = new Map(devices.map((d) => [d.id, d]));
  const upOf = new Map(Object.entries(upstreams).filter(([from, to]) => byId.has(from) && byId.has(to)));
  const groups = new Map<string | null, LiveDevice[]>();
  const heads = new Set(upOf.values());
  for (const d of devices) {
    const key = heads.has(d.id) ? d.id : upOf.get(d.id) ?? null;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(d);
  }
  const rank = (d: LiveDevice, head: string | null) => (d.id === head ? -1 : ROLE_ORDER.indexOf(d.role) + 1);
  return [...groups.entries()]
    .map(([id, list]) => ({
      id,
      title: id ? `Behind ${byId.get(id)?.name || id}` : heads.size ? 'Other devices' : 'Devices',
      devices: list.sort((a, b) => rank(a, id) - rank(b, id) || a.id.localeCompare(b.id, undefined, { numeric: true })),
    }))
    .sort((a, b) => (a.id === null ? 1 : b.id === null ? -1 : a.title.localeCompare(b.title)));
}

export class BoardView {
  private visible = false;
  private live = false;
  /** The tiles no longer match the map (drawn again on the next show). */
  private stale = true;
  private timer = 0;
  private readonly onScreen = new OnScreenCards((id) => this.updateThumb(id), '100px');

  constructor(private readonly el: HTMLElement, private readonly store: Store, private readonly onDetails: (id: string) => void) {
    store.on('topology', () => (this.stale = true) && this.visible && this.render());
    store.on('reach', () => (this.stale = true) && this.visible && this.render());
    store.on('health', ({ deviceId }) => this.visible && deviceId && this.updateTile(deviceId));
    store.on('alerts', () => this.visible && this.refreshAll());
    el.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      if (t.closest('[data-action="live"]')) return this.setLive(!this.live);
      const tile = t.closest<HTMLElement>('[data-testid="tile"]');
      if (tile) this.onDetails(tile.dataset.device!);
    });
    el.addEventListener('keydown', (e) => this.onKey(e));
  }

  show(): void {
    if (this.visible && !this.stale) return;
    this.visible = true;
    if (this.stale) this.render();
    else {
      // Health changed while hidden: refresh the tiles in place, then watch the screen again.
      this.refreshAll();
      this.onScreen.rewatch(this.el.querySelectorAll<HTMLElement>(TILE));
    }
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.refreshStills(), BOARD_STILL_MS);
  }

  hide(): void {
    this.visible = false;
    window.clearInterval(this.timer);
    this.onScreen.forget();
    stopAllLive(this.el, 'img.thumb');
  }

  private setLive(on: boolean): void {
    this.live = on;
    markLiveToggle(this.el, on, on ? 'Thumbnails: live' : 'Thumbnails: stills');
    for (const id of this.onScreen) this.updateThumb(id);
  }

  render(): void {
    const t = this.store.topology;
    if (!t) return;
    this.stale = false;
    const groups = groupByUpstream([...this.store.devices.values()], t.upstreams);
    // A map reload redraws the tiles but keeps their pictures: live streams are not restarted.
    const kept = takePictures(this.el, TILE, THUMB);
    this.el.innerHTML = `<div class="board-bar"><h2 class="sr-only">Rig board</h2><p class="board-summary" role="status" aria-live="polite" data-slot="summary"></p>
      <button type="button" data-action="live" aria-pressed="${this.live}">${this.live ? 'Thumbnails: live' : 'Thumbnails: stills'}</button></div>
      ${groups.map((g, i) => `<section class="board-group" aria-labelledby="bg-${i}"><h3 id="bg-${i}">${esc(g.title)} <span class="muted">(${g.devices.length})</span></h3>
        <ul class="tiles" role="list">${g.devices.map((d) => this.tileHtml(d)).join('')}</ul></section>`).join('')}`;
    const tiles = [...this.el.querySelectorAll<HTMLElement>(TILE)];
    putPicturesBack(tiles, THUMB, kept);
    this.onScreen.watch(tiles);
    this.updateSummary();
  }

  private refreshAll(): void {
    for (const tile of this.el.querySelectorAll<HTMLElement>('[data-testid="tile"]')) this.updateTile(tile.dataset.device!, tile);
  }

  private tileOf(id: string): HTMLElement | null {
    return this.el.querySelector<HTMLElement>(`[data-testid="tile"][data-device="${CSS.escape(id)}"]`);
  }

  /** A whole tile as markup: the first render draws every tile in one go (1,000 devices stay fast). */
  private tileHtml(device: LiveDevice): string {
    const health = this.store.health.get(device.id);
    const alert = this.store.alerts.open.find((a) => a.deviceId === device.id);
    const state = health?.state ?? 'unknown';
    return `<li><article data-testid="tile" data-device="${esc(device.id)}" class="tile ${esc(state)}" data-state="${esc(state)}"
      data-lan="${esc(pathStateOf(device, health, 'lan'))}" data-tailscale="${esc(pathStateOf(device, health, 'tailscale'))}" tabindex="0" role="button"
      aria-label="${esc(tileLabel({ device, health, alert, odd: this.oddOf(device.id) }))}"><div class="thumb-slot" data-slot="thumb"></div>
      <div data-slot="body">${tileBody({ device, health, alert, quality: tailscaleQualityOf(device.id)?.quality ?? null, odd: this.oddOf(device.id) })}</div></article></li>`;
  }

  private oddCache: Map<string, string[]> | null = null;
  /** The cameras whose format differs from their group's (one verdict per frame, however many tiles change). */
  private oddOf(id: string): string[] | undefined {
    if (!this.oddCache) {
      const cameras = [...this.store.devices.values()].map((d) => ({ id: d.id, name: d.name || d.id, role: d.role, tags: d.tags ?? [], look: this.store.health.get(d.id)?.status?.look }));
      this.oddCache = oddById(judgeConformance(cameras));
      requestAnimationFrame(() => (this.oddCache = null));
    }
    return this.oddCache.get(id);
  }

  private updateTile(id: string, tile = this.tileOf(id)): void {
    const device = this.store.devices.get(id);
    if (!tile || !device) return;
    const health = this.store.health.get(id);
    const alert = this.store.alerts.open.find((a) => a.deviceId === id);
    const state = health?.state ?? 'unknown';
    tile.className = `tile ${state}`;
    tile.dataset.state = state;
    tile.dataset.lan = pathStateOf(device, health, 'lan');
    tile.dataset.tailscale = pathStateOf(device, health, 'tailscale');
    const odd = this.oddOf(id);
    tile.setAttribute('aria-label', tileLabel({ device, health, alert, odd }));
    tile.querySelector('[data-slot="body"]')!.innerHTML = tileBody({ device, health, alert, quality: tailscaleQualityOf(id)?.quality ?? null, odd });
    if (device.role === 'camera') this.scheduleOddRefresh();
    this.updateThumb(id, tile);
    this.scheduleSummary();
  }

  private oddFrame = 0;
  /** A camera's format change may make another one odd (or no longer odd): its group's tiles are redrawn once per frame. */
  private scheduleOddRefresh(): void {
    if (this.oddFrame) return;
    const before = new Set(this.oddCache?.keys() ?? []);
    this.oddFrame = requestAnimationFrame(() => {
      this.oddFrame = 0;
      this.oddCache = null;
      const now = new Set([...this.store.devices.keys()].filter((d) => this.oddOf(d)));
      for (const id of new Set([...before, ...now])) {
        const tile = this.tileOf(id);
        const device = this.store.devices.get(id);
        if (!tile || !device) continue;
        const odd = this.oddOf(id);
        const health = this.store.health.get(id);
        const alert = this.store.alerts.open.find((a) => a.deviceId === id);
        // The label says it too: a screen reader hears which camera is odd, not only a sighted crew member.
        tile.setAttribute('aria-label', tileLabel({ device, health, alert, odd }));
        tile.querySelector('[data-slot="body"]')!.innerHTML = tileBody({ device, health, alert, quality: tailscaleQualityOf(id)?.quality ?? null, odd });
      }
    });
  }

  private summaryFrame = 0;
  /** Health changes come in bursts: one summary count per frame. */
  private scheduleSummary(): void {
    if (this.summaryFrame) return;
    this.summaryFrame = requestAnimationFrame(() => {
      this.summaryFrame = 0;
      this.updateSummary();
    });
  }

  /** The picture of a tile: nothing off screen, live or a still on screen, a placeholder when no path works. */
  private updateThumb(id: string, tile = this.tileOf(id)): void {
    const slot = tile?.querySelector<HTMLElement>('[data-slot="thumb"]');
    if (!slot) return;
    const links = nodeLinks(this.store, id);
    const device = this.store.devices.get(id);
    if (!links || !device) {
      slot.innerHTML = `<div class="thumb none" aria-hidden="true">${esc(device?.role ?? '')}</div>`;
      return;
    }
    let img = slot.querySelector<HTMLImageElement>('img.thumb');
    // A phone streams to rigmap only for live thumbnails (it costs battery and hotspot): no stills.
    if (links.livestream && !this.live) {
      if (img) stopLive(img);
      if (!slot.querySelector('[data-testid="live-on-request"]')) slot.innerHTML = '<div class="thumb none" data-testid="live-on-request">live on request</div>';
      return;
    }
    if (!this.visible || !this.onScreen.has(id) || !anyPathUsable(this.store, id)) {
      if (img) stopLive(img);
      if (!anyPathUsable(this.store, id)) slot.innerHTML = '<div class="thumb none">no path</div>';
      return;
    }
    if (!img) {
      slot.innerHTML = `<img class="thumb" alt=""><span class="thumb-note" data-testid="thumb-note" hidden></span>`;
      img = slot.querySelector<HTMLImageElement>('img.thumb')!;
    }
    img.dataset.via = links.via;
    const noteEl = slot.querySelector<HTMLElement>('.thumb-note');
    const onNote = (note: string | null) => {
      if (!noteEl || noteEl.textContent === (note ?? '')) return;
      noteEl.textContent = note ?? '';
      noteEl.hidden = !note;
    };
    if (this.live) return showLive(img, links, { ...BOARD_LIVE, grid: true, onNote });
    onNote(null);
    stopLive(img);
    if (img.dataset.still !== links.snapshot || !img.getAttribute('src') || img.src.startsWith('data:')) {
      img.dataset.still = links.snapshot;
      img.src = `${links.snapshot}?t=${Date.now()}`;
    }
  }

  private refreshStills(): void {
    if (this.live) return;
    for (const id of this.onScreen) {
      const img = this.tileOf(id)?.querySelector<HTMLImageElement>('img.thumb');
      if (img?.dataset.still && img.complete) img.src = `${img.dataset.still}?t=${Date.now()}`;
    }
  }

  private updateSummary(): void {
    const slot = this.el.querySelector('[data-slot="summary"]');
    if (!slot) return;
    const counts = new Map<string, number>();
    for (const id of this.store.devices.keys()) counts.set(this.store.stateOf(id), (counts.get(this.store.stateOf(id)) ?? 0) + 1);
    const parts = ['up', 'degraded', 'flapping', 'down', 'unknown'].filter((s) => counts.get(s)).map((s) => `${counts.get(s)} ${s}`);
    const alerts = this.store.alerts.open.length;
    const text = `${this.store.devices.size} devices: ${parts.join(', ') || 'none yet'}${alerts ? ` · ${alerts} open alert${alerts > 1 ? 's' : ''}` : ''}`;
    if (slot.textContent !== text) slot.textContent = text;
  }

  /** Arrow keys move between tiles (up/down by rows as drawn), Enter or Space opens one. */
  private onKey(e: KeyboardEvent): void {
    const tile = (e.target as HTMLElement).closest<HTMLElement>('[data-testid="tile"]');
    if (!tile) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      return this.onDetails(tile.dataset.device!);
    }
    const tiles = [...this.el.querySelectorAll<HTMLElement>('[data-testid="tile"]')];
    const i = tiles.indexOf(tile);
    let next: HTMLElement | undefined;
    if (e.key === 'ArrowRight') next = tiles[i + 1];
    else if (e.key === 'ArrowLeft') next = tiles[i - 1];
    else if (e.key === 'Home') next = tiles[0];
    else if (e.key === 'End') next = tiles.at(-1);
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const r = tile.getBoundingClientRect();
      const down = e.key === 'ArrowDown';
      const row = tiles.filter((t) => { const b = t.getBoundingClientRect(); return down ? b.top > r.top + 4 : b.top < r.top - 4; });
      const rowTop = down ? Math.min(...row.map((t) => t.getBoundingClientRect().top)) : Math.max(...row.map((t) => t.getBoundingClientRect().top));
      next = row.filter((t) => Math.abs(t.getBoundingClientRect().top - rowTop) < 4)
        .sort((a, b) => Math.abs(a.getBoundingClientRect().left - r.left) - Math.abs(b.getBoundingClientRect().left - r.left))[0];
    } else return;
    e.preventDefault();
    next?.focus();
  }
}
