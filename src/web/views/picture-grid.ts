/**
 * What the board and the contact sheet share about their pictures: which cards
 * are on screen (only those load anything), keeping each card's picture across
 * a redraw of the grid (a live stream is not restarted because the map was
 * read again), and the live/stills toggle.
 */
import { stopLive } from '../node-links.ts';

/** The device ids of the cards on screen, kept by an IntersectionObserver. */
export class OnScreenCards implements Iterable<string> {
  private readonly ids = new Set<string>();
  private observer: IntersectionObserver | null = null;

  /** `changed(id)`: a card came on screen or left it. */
  constructor(private readonly changed: (id: string) => void, private readonly rootMargin = '0px') {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.ids[Symbol.iterator]();
  }

  /** Watch freshly drawn cards (`data-device` on each), forgetting the old ones. */
  watch(cards: Iterable<HTMLElement>): void {
    this.forget();
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const id = (e.target as HTMLElement).dataset.device!;
        if (e.isIntersecting) this.ids.add(id);
        else this.ids.delete(id);
        this.changed(id);
      }
    }, { rootMargin: this.rootMargin });
    for (const card of cards) this.observer.observe(card);
  }

  /** Watch the same cards again (the view is shown again without a redraw). */
  rewatch(cards: Iterable<HTMLElement>): void {
    for (const card of cards) this.observer?.observe(card);
  }

  /** Nothing is on screen (the view is hidden or about to be redrawn). */
  forget(): void {
    this.observer?.disconnect();
    this.ids.clear();
  }
}

/** Take each card's picture slot out before the grid is redrawn, by device id. */
export function takePictures(root: HTMLElement, cardSelector: string, slotSelector: string): Map<string, HTMLElement> {
  return new Map([...root.querySelectorAll<HTMLElement>(cardSelector)].map((card) => [card.dataset.device!, card.querySelector<HTMLElement>(slotSelector)!]));
}

/** Put the taken pictures back into the redrawn cards; stop those of devices no longer drawn. */
export function putPicturesBack(cards: Iterable<HTMLElement>, slotSelector: string, taken: Map<string, HTMLElement>): void {
  const left = new Map(taken);
  for (const card of cards) {
    const old = left.get(card.dataset.device!);
    if (old) card.querySelector(slotSelector)!.replaceWith(old);
    left.delete(card.dataset.device!);
  }
  for (const gone of left.values()) for (const img of gone.querySelectorAll('img')) stopLive(img);
}

/** Show the live/stills toggle's mode. */
export function markLiveToggle(root: HTMLElement, on: boolean, text: string): void {
  const btn = root.querySelector<HTMLButtonElement>('[data-action="live"]');
  if (!btn) return;
  btn.setAttribute('aria-pressed', String(on));
  btn.textContent = text;
}

/** Stop every live picture matching `selector` under `root` (the view is hidden). */
export function stopAllLive(root: HTMLElement, selector: string): void {
  for (const img of root.querySelectorAll<HTMLImageElement>(selector)) stopLive(img);
}
