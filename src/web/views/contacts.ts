/**
 * Contact sheet: every camera's picture in a grid with its state badge, as
 * stills (refreshed every 2 s, each only after the previous one loaded) or
 * live (the node's preview, small and at a few frames a second). Only cards on
 * screen load anything; links follow the viewer's working path by themselves
 * (straight from the node, else through rigmap: node-links.ts).
 */
import { ago, esc } from '../format.ts';
import { anyPathUsable, nodeLinks, showLive, stopLive } from '../node-links.ts';
import type { Store } from '../state.ts';
import { markLiveToggle, OnScreenCards, putPicturesBack, stopAllLive, takePictures } from './picture-grid.ts';

const CARD = 'article[data-device]';
const PIC = '[data-slot="pic"]';

/** Seconds between snapshot refreshes of one camera. */
export const SNAPSHOT_REFRESH_MS = 2000;
/** Live mode's preview: 8 cameras stay under 4 Mbit/s (docs/benchmarks.md). */
export const CONTACT_LIVE = { fps: 5, width: 320 };

export class ContactSheetView {
  private timer = 0;
  private visible = false;
  private live = false;
  private readonly onScreen = new OnScreenCards((id) => this.updateCard(id));

  constructor(private readonly el: HTMLElement, private readonly store: Store, private readonly onDetails: (id: string) => void) {
    store.on('topology', () => this.visible && this.render());
    store.on('reach', () => this.visible && this.render());
    store.on('health', ({ deviceId }) => this.visible && deviceId && this.updateCard(deviceId));
    el.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      if (t.closest('[data-action="live"]')) return this.setLive(!this.live);
      const card = t.closest<HTMLElement>('button[data-device]');
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
    this.onScreen.forget();
    stopAllLive(this.el, 'img.snapshot');
  }

  private setLive(on: boolean): void {
    this.live = on;
    markLiveToggle(this.el, on, on ? 'Live' : 'Stills');
    for (const id of this.cameras().map((d) => d.id)) this.updateCard(id);
  }

  private cameras() {
    return [...this.store.devices.values()].filter((d) => d.role === 'camera').sort((a, b) => a.id.localeCompare(b.id));
  }

  render(): void {
    const cams = this.cameras();
    // A map reload redraws the cards but keeps their pictures: live streams are not restarted.
    const kept = takePictures(this.el, CARD, PIC);
    this.el.innerHTML = `<div class="board-bar"><h2>Contact sheet <span class="muted">(${cams.length} cameras)</span></h2>
      <button type="button" data-action="live" aria-pressed="${this.live}" title="Switch between stills and live previews">${this.live ? 'Live' : 'Stills'}</button></div>
      ${cams.length ? `<div class="sheet">${cams.map((d) => `<article class="card" data-device="${esc(d.id)}"><div data-slot="pic"></div><div data-slot="meta"></div></article>`).join('')}</div>` : '<p class="muted">No cameras in the map.</p>'}`;
    const cards = [...this.el.querySelectorAll<HTMLElement>(CARD)];
    putPicturesBack(cards, PIC, kept);
    this.onScreen.watch(cards);
    for (const card of cards) this.updateCard(card.dataset.device!);
  }

  private updateCard(id: string): void {
    const card = this.el.querySelector<HTMLElement>(`article[data-device="${CSS.escape(id)}"]`);
    const d = this.store.devices.get(id);
    if (!card || !d) return;
    const state = this.store.stateOf(id);
    const status = this.store.health.get(id)?.status;
    card.className = `card ${state}`;
    card.dataset.state = state;
    card.querySelector('[data-slot="meta"]')!.innerHTML = `<h3><button type="button" class="linkish" data-device="${esc(id)}">${esc(d.name || d.id)}</button><span class="state ${esc(state)}">${esc(state)}</span></h3>
      <p class="muted">${status ? `${Math.round(status.battery.level * 100)} % battery · ${esc(status.thermal)} · ${esc(status.state)}` : 'no status'} · seen ${esc(ago(this.store.health.get(id)?.lastSeen))}</p>`;
    const pic = card.querySelector<HTMLElement>('[data-slot="pic"]')!;
    const links = nodeLinks(this.store, id);
    let img = pic.querySelector<HTMLImageElement>('img.snapshot');
    // A phone's only pictures are its livestream, started for live mode only (battery, hotspot).
    if (links?.livestream && !this.live) {
      if (img) stopLive(img);
      pic.innerHTML = '<div class="nosnap">live on request</div>';
      return;
    }
    if (!links || !anyPathUsable(this.store, id)) {
      if (img) stopLive(img);
      pic.innerHTML = `<div class="nosnap">${links ? 'path down' : 'no snapshot'}</div>`;
      return;
    }
    if (!img) {
      pic.innerHTML = `<img class="snapshot" alt="${this.live ? 'Live preview' : 'Latest frame'} from ${esc(id)}">`;
      img = pic.querySelector<HTMLImageElement>('img.snapshot')!;
    }
    img.dataset.via = links.via;
    if (!this.visible || !this.onScreen.has(id)) return stopLive(img);
    if (this.live) return showLive(img, links, { ...CONTACT_LIVE, grid: true });
    stopLive(img);
    if (img.dataset.still !== links.snapshot || !img.getAttribute('src') || img.src.startsWith('data:')) {
      img.dataset.still = links.snapshot;
      img.src = `${links.snapshot}?t=${Date.now()}`;
    }
  }

  private refresh(): void {
    if (this.live) return;
    for (const img of this.el.querySelectorAll<HTMLImageElement>('article img.snapshot')) {
      const id = img.closest<HTMLElement>('article')!.dataset.device!;
      if (!img.complete || !img.dataset.still || !this.onScreen.has(id)) continue;
      img.src = `${img.dataset.still}?t=${Date.now()}`;
    }
  }
}
