/**
 * Contact sheet: every camera's latest snapshot in a grid with its state badge,
 * refreshed live. Each image reloads only after its previous load finished, and
 * not at all while the viewer's path to that camera is down.
 */
import { ago, esc } from '../format.ts';
import type { Store } from '../state.ts';
import { snapshotUrl, viewerPathUsable } from './panel.ts';

/** Seconds between snapshot refreshes of one camera. */
export const SNAPSHOT_REFRESH_MS = 2000;

export class ContactSheetView {
  private timer = 0;
  private visible = false;

  constructor(private readonly el: HTMLElement, private readonly store: Store, private readonly onDetails: (id: string) => void) {
    store.on('topology', () => this.visible && this.render());
    store.on('reach', () => this.visible && this.render());
    store.on('health', ({ deviceId }) => this.visible && deviceId && this.updateCard(deviceId));
    el.addEventListener('click', (e) => {
      const card = (e.target as HTMLElement).closest<HTMLElement>('button[data-device]');
      if (card) this.onDetails(card.dataset.device!);
    });
  }

  show(): void {
    this.visible = true;
    this.render();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.refresh(), SNAPSHOT_REFRESH_MS);
  }

  hide(): void {
    this.visible = false;
    window.clearInterval(this.timer);
  }

  private cameras() {
    return [...this.store.devices.values()].filter((d) => d.role === 'camera').sort((a, b) => a.id.localeCompare(b.id));
  }

  render(): void {
    const cams = this.cameras();
    this.el.innerHTML = `<h2>Contact sheet <span class="muted">(${cams.length} cameras)</span></h2>
      ${cams.length ? `<div class="sheet">${cams.map((d) => `<article class="card" data-device="${esc(d.id)}"></article>`).join('')}</div>` : '<p class="muted">No cameras in the map.</p>'}`;
    for (const d of cams) this.updateCard(d.id);
  }

  private updateCard(id: string): void {
    const card = this.el.querySelector<HTMLElement>(`article[data-device="${CSS.escape(id)}"]`);
    const d = this.store.devices.get(id);
    if (!card || !d) return;
    const state = this.store.stateOf(id);
    const status = this.store.health.get(id)?.status;
    card.className = `card ${state}`;
    card.dataset.state = state;
    const url = snapshotUrl(this.store, id);
    const usable = url !== null && viewerPathUsable(this.store, id);
    let img = card.querySelector('img');
    if (!usable) img = null;
    const meta = `<h3><button type="button" class="linkish" data-device="${esc(id)}">${esc(d.name || d.id)}</button><span class="state ${esc(state)}">${esc(state)}</span></h3>
      <p class="muted">${status ? `${Math.round(status.battery.level * 100)} % battery · ${esc(status.thermal)} · ${esc(status.state)}` : 'no status'} · seen ${esc(ago(this.store.health.get(id)?.lastSeen))}</p>`;
    if (img) {
      card.querySelector('[data-slot="meta"]')!.innerHTML = meta;
      return;
    }
    card.innerHTML = `${usable ? `<img class="snapshot" alt="Latest frame from ${esc(id)}" src="${esc(url)}?t=${Date.now()}">` : `<div class="nosnap">${url ? 'path down' : 'no snapshot'}</div>`}<div data-slot="meta">${meta}</div>`;
  }

  private refresh(): void {
    for (const img of this.el.querySelectorAll<HTMLImageElement>('article img.snapshot')) {
      if (!img.complete) continue;
      const id = img.closest<HTMLElement>('article')!.dataset.device!;
      const url = snapshotUrl(this.store, id);
      if (url && viewerPathUsable(this.store, id)) img.src = `${url}?t=${Date.now()}`;
    }
  }
}
