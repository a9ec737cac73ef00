/**
 * Where this viewer opens a node's snapshot and live preview: straight from the
 * node when the viewer's own network reaches it and that path is not down, else
 * through rigmap (the reach relay for stills, the preview hub for live). Views
 * recompute it on every health change, so links follow a failing path by
 * themselves, and come back when it returns.
 */
import type { DeviceHealth } from '../topology/health-types.ts';
import type { Network } from '../topology/model.ts';
import type { LiveDevice } from './api.ts';
import { networkState, type Store } from './state.ts';

/**
 * A device's path state on one network as the dashboard shows it: 'none' only
 * when it has no address there; an address nothing probes yet is 'unknown'.
 */
export function pathStateOf(device: Pick<LiveDevice, 'addresses'> | undefined, health: DeviceHealth | undefined, network: Network): string {
  if (!device?.addresses.some((a) => a.network === network)) return 'none';
  const s = networkState(health, network).state;
  return s === 'none' ? 'unknown' : s;
}

/** How a node is opened from here. */
export interface NodeLinks {
  via: 'direct' | 'relay';
  /** The latest still. */
  snapshot: string;
  /** The live preview (multipart JPEG) at `fps` and `width`. */
  preview(opts: { fps: number; width: number }): string;
  /** Through rigmap only: one frame of the relayed preview, for grids polled frame by frame. */
  frame?: string;
  /**
   * A phone running Blackmagic Camera: its only pictures are its livestream to
   * rigmap, started on request (battery, hotspot bandwidth), so stills never ask for one.
   */
  livestream?: boolean;
}

/** What a polled tile shows under its picture: a stream note, a refusal ("streaming elsewhere"), or nothing. */
export type NoteListener = (note: string | null) => void;

/** The camera-node service of a device (the contract's name or base path). */
function cameraService(d: LiveDevice) {
  return d.services.find((s) => s.name === 'camera-node' && (s.protocol === 'http' || s.protocol === 'https'))
    ?? d.services.find((s) => s.path === '/api/v1' && (s.protocol === 'http' || s.protocol === 'https'));
}

/** The links of a device for this viewer, or null when it runs no camera-node API. */
export function nodeLinks(store: Store, deviceId: string): NodeLinks | null {
  const d = store.devices.get(deviceId);
  const r = store.reach.get(deviceId);
  const svc = d ? cameraService(d) : undefined;
  if (d && !svc && d.services.some((s) => s.name === 'blackmagic' && (s.protocol === 'http' || s.protocol === 'https'))) {
    // Its livestream, received by rigmap over SRT: always through rigmap.
    const id = encodeURIComponent(deviceId);
    return { via: 'relay', livestream: true, snapshot: `/api/devices/${id}/preview.jpg`, preview: ({ fps }) => `/api/devices/${id}/preview.mjpeg?fps=${fps}`, frame: `/api/devices/${id}/preview.jpg` };
  }
  if (!d || !svc || !r?.apiPath) return null;
  const viewerNet = store.viewer?.network ?? r.viewerNetwork;
  const own = r.preferred && r.preferred.network === viewerNet ? r.preferred : null;
  const ownState = own ? pathStateOf(d, store.health.get(deviceId), own.network) : 'none';
  if (own?.baseUrl && ownState !== 'down') {
    const base = `${own.baseUrl}${r.apiPath}`;
    return { via: 'direct', snapshot: `${base}/snapshot.jpg`, preview: ({ fps, width }) => `${base}/preview.mjpeg?fps=${fps}&width=${width}` };
  }
  // No address on the viewer's network, or its path there is down: rigmap reaches the node over what works.
  const id = encodeURIComponent(deviceId);
  return {
    via: 'relay',
    snapshot: `/reach/${id}/${encodeURIComponent(svc.name)}${svc.path ? '' : '/api/v1'}/snapshot.jpg`,
    preview: ({ fps }) => `/api/devices/${id}/preview.mjpeg?fps=${fps}`,
    frame: `/api/devices/${id}/preview.jpg`,
  };
}

/** Whether a picture is worth asking for: the viewer's direct path is not down, or rigmap has a path up (or not yet known). */
export function anyPathUsable(store: Store, deviceId: string): boolean {
  const links = nodeLinks(store, deviceId);
  if (links?.via === 'direct') return true;
  const d = store.devices.get(deviceId);
  const h = store.health.get(deviceId);
  return (['lan', 'tailscale'] as const).some((n) => ['up', 'unknown'].includes(pathStateOf(d, h, n)));
}

/**
 * Give `img` the live preview of a device, falling back to stills when the
 * preview fails (a node without contract v1.1). Setting the same URL again is a
 * no-op, so callers can call it on every render.
 */
export function showLive(img: HTMLImageElement, links: NodeLinks, opts: { fps: number; width: number; grid?: boolean; onNote?: NoteListener }): void {
  // A browser holds at most six connections to rigmap: a grid of relayed cameras polls frames instead of streaming.
  if (opts.grid && links.frame) return pollFrames(img, links.frame, opts.fps, opts.onNote);
  const url = links.preview(opts);
  if (img.dataset.live === url) return;
  img.dataset.live = url;
  img.onerror = () => {
    img.onerror = null;
    if (img.dataset.live === url) img.src = `${links.snapshot}?t=${Date.now()}`;
  };
  img.src = url;
}

/**
 * What every polled grid tile together may take from rigmap, in bits a second:
 * a remote producer's 8-camera live sheet must stay under 4 Mbit/s (issue 14),
 * whatever the frames weigh, so each tile slows down to its share.
 */
export const GRID_BUDGET_BPS = 3_000_000;
const polling = new Set<HTMLImageElement>();

function pollingNow(): number {
  for (const img of polling) if (!img.isConnected || !img.dataset.live?.startsWith('poll:')) polling.delete(img);
  return Math.max(1, polling.size);
}

/**
 * Reload `img` from `frameUrl` at most `fps` times a second, each after the
 * previous frame arrived, and no faster than its share of GRID_BUDGET_BPS
 * (frames are fetched, so their size is known).
 */
function pollFrames(img: HTMLImageElement, frameUrl: string, fps: number, onNote?: NoteListener): void {
  const key = `poll:${frameUrl}`;
  if (img.dataset.live === key) return;
  img.dataset.live = key;
  img.onload = null;
  img.onerror = null;
  polling.add(img);
  // A tile re-rendered away (detached) or switched to another source stops its loop.
  const mine = () => img.isConnected && img.dataset.live === key;
  const tick = async () => {
    if (!mine()) return void polling.delete(img);
    const started = performance.now();
    let delay = 2000;
    try {
      const res = await fetch(`${frameUrl}?t=${Date.now()}`, { cache: 'no-store' });
      if (!res.ok) {
        const why = await res.json().then((b: { error?: { message?: string } }) => b.error?.message ?? '', () => '');
        if (mine()) onNote?.(shortNote(why) || `no picture (HTTP ${res.status})`);
        throw new Error(`HTTP ${res.status}`);
      }
      // A phone's stream health ("reconnecting: …") rides on the frame's answer.
      const note = res.headers.get('x-preview-note');
      onNote?.(note ? decodeURIComponent(note) : null);
      const blob = await res.blob();
      if (!mine()) return void polling.delete(img);
      const old = img.src;
      img.src = URL.createObjectURL(blob);
      if (old.startsWith('blob:')) URL.revokeObjectURL(old);
      const share = GRID_BUDGET_BPS / pollingNow();
      delay = Math.max(1000 / fps, ((blob.size * 8) / share) * 1000) - (performance.now() - started);
    } catch {
      delay = 2000; // the node or rigmap is not answering: look again a little later (rigmap answers a phone's refusal from memory)
    }
    window.setTimeout(() => void tick(), Math.max(0, delay));
  };
  void tick();
}

/** A tile-sized version of an error message. */
function shortNote(message: string): string {
  if (/streaming elsewhere/.test(message)) return 'streaming elsewhere';
  if (/unsupported-format/.test(message)) return 'cannot stream in this video format';
  if (/operator role/.test(message)) return 'an operator starts live pictures';
  return message.slice(0, 80);
}

const BLANK = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

/** Stop an image's stream (an <img> keeps a multipart answer open until its src changes). */
export function stopLive(img: HTMLImageElement): void {
  if (!img.dataset.live) return;
  delete img.dataset.live;
  polling.delete(img);
  img.onerror = null;
  img.onload = null;
  if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
  // A blank picture in place of the stream: changing src is what makes the browser drop the connection.
  img.src = BLANK;
}
