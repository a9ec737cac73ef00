/**
 * The topology graph (cytoscape), drawn as a hierarchy by upstream: routers and
 * hotspots on top, the devices that link to them in rows below, devices with
 * no upstream in a block of their own. Devices are shaped by role and coloured
 * by state; each carries two small badges, L (LAN) and T (Tailscale), coloured
 * by that path's state, instead of an edge per device to a network hub. Edges
 * are the map's links, labelled only on hover or when an end is selected.
 * Positions are computed (no force layout), so labels never overlap; positions
 * a user drags are saved per device and always win. Live changes only touch
 * element data (a restyle), never the layout.
 */
import cytoscape, { type Core, type ElementDefinition, type NodeSingular } from 'cytoscape';
import type { Network } from '../topology/model.ts';
import { api, type LiveDevice } from './api.ts';
import { ms, toast } from './format.ts';
import { pathStateOf } from './node-links.ts';
import { networkState, type Store } from './state.ts';
import { tailscaleQualityOf } from './tailscale-paths.ts';

/** Above this many devices, labels show only once zoomed in and the costly bits of each frame are skipped. */
export const LAYOUT_THRESHOLD = 300;
const COLORS = { up: '#34b35a', degraded: '#e0a21b', app_closed: '#e0a21b', down: '#ef5350', unknown: '#8e98a4', flapping: '#b27ae6', out_of_scope: '#5d6670', untrusted: '#ef5350', none: '#2a3038' };
const SHAPES: Record<string, string> = {
  camera: 'ellipse', console: 'round-rectangle', relay: 'diamond', server: 'barrel',
  hotspot: 'triangle', router: 'hexagon', monitor: 'round-tag', other: 'octagon',
};
/** Spacing of the computed layout: wide enough for a 13-character label under every node. */
const GAP_X = 110;
const GAP_Y = 95;
const COLS = 8;

const devId = (id: string) => `dev:${id}`;

const badges = new Map<string, string>();
/** The L/T badge picture for a pair of path states (an SVG data URL, cached). */
function badgeOf(lan: string, ts: string): string {
  const key = `${lan}|${ts}`;
  let url = badges.get(key);
  if (!url) {
    const box = (x: number, state: string, letter: string) => {
      const fill = COLORS[state as keyof typeof COLORS] ?? COLORS.unknown;
      const dash = state === 'none' ? ' stroke-dasharray="2 2"' : '';
      return `<rect x="${x}" y="1" width="15" height="12" rx="3" fill="${fill}" stroke="#111418"${dash}/><text x="${x + 7.5}" y="10.5" font-family="sans-serif" font-size="10" font-weight="700" text-anchor="middle" fill="${state === 'none' ? '#8e98a4' : '#0b0d10'}">${letter}</text>`;
    };
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="34" height="14" viewBox="0 0 34 14">${box(1, lan, 'L')}${box(18, ts, 'T')}</svg>`;
    url = `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`;
    badges.set(key, url);
  }
  return url;
}

/** A device's node data: state, the two path states, their badge and a hover text with latency and quality. */
function deviceData(d: LiveDevice, store: Store) {
  const health = store.health.get(d.id);
  const path = (n: Network) => {
    const ns = networkState(health, n);
    const state = pathStateOf(d, health, n);
    return { state, text: state === 'up' ? `up${ns.latencyMs !== null ? ` ${ms(ns.latencyMs)}` : ''}` : state === 'none' ? 'no address' : state.replace(/_/g, ' ') };
  };
  const lan = path('lan');
  const ts = path('tailscale');
  const tsQuality = tailscaleQualityOf(d.id)?.quality ?? '';
  const tsLabel = [ts.text, tsQuality].filter(Boolean).join(' · ');
  return {
    id: devId(d.id), deviceId: d.id, label: d.name || d.id, role: d.role, state: store.stateOf(d.id),
    lan: lan.state, tailscale: ts.state, tsQuality, tsLabel, badge: badgeOf(lan.state, ts.state),
    title: `${d.name || d.id}: LAN ${lan.text}, Tailscale ${tsLabel}`,
  };
}

function elementsFor(store: Store): ElementDefinition[] {
  const t = store.topology!;
  const els: ElementDefinition[] = t.devices.map((d) => ({ group: 'nodes', data: deviceData(d, store), classes: 'device', position: d.position ? { ...d.position } : undefined }));
  for (const l of t.links) els.push({ group: 'edges', data: { id: `link:${l.id}`, source: devId(l.from), target: devId(l.to), label: l.kind }, classes: 'link' });
  return els;
}

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', color: '#eef1f5', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, 'min-zoomed-font-size': 7, 'text-outline-color': '#111418', 'text-outline-width': 2, 'text-wrap': 'ellipsis', 'text-max-width': `${GAP_X - 14}px` } },
  {
    selector: 'node.device',
    style: {
      width: 34, height: 34, 'background-color': COLORS.unknown, 'border-width': 2, 'border-color': '#111418',
      'background-image': 'data(badge)', 'background-width': '34px', 'background-height': '14px', 'background-position-y': '100%', 'background-clip': 'none', 'background-image-containment': 'over', 'bounds-expansion': 4,
    } as cytoscape.Css.Node,
  },
  ...Object.entries(SHAPES).map(([role, shape]) => ({ selector: `node.device[role="${role}"]`, style: { shape } as cytoscape.Css.Node })),
  ...(['up', 'degraded', 'down', 'unknown', 'flapping', 'app_closed'] as const).map((s) => ({ selector: `node.device[state="${s}"]`, style: { 'background-color': COLORS[s] } })),
  { selector: 'node.device[state="down"]', style: { 'border-color': '#ffb4b0', 'border-width': 3 } },
  { selector: 'node:selected', style: { 'border-color': '#5cb8ff', 'border-width': 4 } },
  // Links stay quiet (thin, translucent, under the nodes) so the devices read first.
  { selector: 'edge', style: { width: 1.5, 'line-opacity': 0.45, 'curve-style': 'straight', 'line-color': '#5cb8ff', 'target-arrow-shape': 'none', label: '', 'font-size': 10, color: '#c9d1da', 'text-background-color': '#111418', 'text-background-opacity': 0.85, 'text-background-padding': '2px' } },
  { selector: 'edge.hover, edge.near', style: { label: 'data(label)', width: 3, 'line-opacity': 1 } },
];

/**
 * Positions of the hierarchy: each upstream above the devices behind it
 * (rows of COLS), sub-upstreams below their own upstream's leaves, trees side
 * by side, then devices with no upstream in rows underneath.
 */
export function hierarchyPositions(devices: LiveDevice[], upstreams: Readonly<Record<string, string>>): Map<string, { x: number; y: number }> {
  const byId = new Map(devices.map((d) => [d.id, d]));
  // The server's map (one rule, cycles already broken); only devices drawn here count.
  const upOf = new Map(Object.entries(upstreams).filter(([from, to]) => byId.has(from) && byId.has(to)));
  const children = new Map<string, LiveDevice[]>();
  for (const [from, to] of upOf) (children.get(to) ?? children.set(to, []).get(to)!).push(byId.get(from)!);
  const sortIds = (list: LiveDevice[]) => list.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id, undefined, { numeric: true }));
  const out = new Map<string, { x: number; y: number }>();
  const widthOf = (id: string): number => {
    const kids = children.get(id) ?? [];
    const leaves = kids.filter((k) => !children.has(k.id));
    const subs = kids.filter((k) => children.has(k.id));
    return Math.max(1, Math.min(COLS, leaves.length), subs.reduce((s, k) => s + widthOf(k.id), 0));
  };
  const place = (id: string, x0: number, y: number) => {
    const w = widthOf(id);
    out.set(devId(id), { x: x0 + ((w - 1) * GAP_X) / 2, y });
    const kids = sortIds([...(children.get(id) ?? [])]);
    const leaves = kids.filter((k) => !children.has(k.id));
    const rows = Math.ceil(leaves.length / COLS);
    leaves.forEach((k, i) => {
      const inRow = Math.min(COLS, leaves.length - Math.floor(i / COLS) * COLS);
      const offset = ((w - inRow) * GAP_X) / 2;
      out.set(devId(k.id), { x: x0 + offset + (i % COLS) * GAP_X, y: y + GAP_Y * (1 + Math.floor(i / COLS)) });
    });
    let sx = x0;
    for (const s of kids.filter((k) => children.has(k.id))) {
      place(s.id, sx, y + GAP_Y * (1 + rows));
      sx += widthOf(s.id) * GAP_X;
    }
  };
  const depthOf = (id: string): number => {
    const kids = children.get(id) ?? [];
    const leaves = kids.filter((k) => !children.has(k.id));
    return 1 + Math.ceil(leaves.length / COLS) + Math.max(0, ...kids.filter((k) => children.has(k.id)).map((k) => depthOf(k.id)));
  };
  const roots = sortIds(devices.filter((d) => !upOf.has(d.id) && children.has(d.id)));
  let x = 0;
  let depth = 0;
  for (const r of roots) {
    place(r.id, x, 0);
    x += (widthOf(r.id) + 1) * GAP_X;
    depth = Math.max(depth, depthOf(r.id));
  }
  const loose = sortIds(devices.filter((d) => !upOf.has(d.id) && !children.has(d.id)));
  const cols = Math.max(COLS, Math.ceil(Math.sqrt(loose.length * 2)));
  loose.forEach((d, i) => out.set(devId(d.id), { x: (i % cols) * GAP_X, y: (depth + (roots.length ? 0.5 : 0) + Math.floor(i / cols)) * GAP_Y }));
  return out;
}

/** The graph view: owns the cytoscape instance and keeps it in step with the store. */
export class GraphView {
  readonly cy: Core;
  private saveTimers = new Map<string, number>();

  constructor(private readonly container: HTMLElement, private readonly store: Store, private readonly onSelect: (deviceId: string | null) => void) {
    const big = store.devices.size > LAYOUT_THRESHOLD;
    // Big rigs: no text outlines, no hi-dpi canvas, no edges while panning; labels only once zoomed in.
    // Badges too: a thousand background images per frame cost more than the whole first paint.
    const style = big ? [...STYLE, { selector: 'node.device', style: { 'text-outline-width': 0, label: '', 'background-image': 'none' } as cytoscape.Css.Node },
      { selector: '.lbl', style: { label: 'data(label)', 'background-image': 'data(badge)' } as cytoscape.Css.Node }] : STYLE;
    this.cy = cytoscape({ container, style, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 3, textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : 'auto', motionBlur: false });
    this.cy.on('tap', 'node.device', (ev) => this.onSelect((ev.target as NodeSingular).data('deviceId')));
    this.cy.on('tap', (ev) => { if (ev.target === this.cy) this.onSelect(null); });
    this.cy.on('dragfree', 'node.device', (ev) => this.savePosition(ev.target as NodeSingular));
    // Edge labels only where the eye is: the edge under the pointer, the edges of the selected device.
    this.cy.on('mouseover', 'edge', (ev) => ev.target.addClass('hover'));
    this.cy.on('mouseout', 'edge', (ev) => ev.target.removeClass('hover'));
    this.cy.on('mouseover', 'node.device', (ev) => { container.title = (ev.target as NodeSingular).data('title') as string; });
    this.cy.on('mouseout', 'node.device', () => { container.title = ''; });
    this.cy.on('select unselect', 'node', () => {
      this.cy.edges().removeClass('near');
      this.cy.$('node:selected').connectedEdges().addClass('near');
    });
    if (big) {
      let labelled = false;
      this.cy.on('zoom', () => {
        const want = this.cy.zoom() >= 0.7;
        if (want === labelled) return;
        labelled = want;
        this.cy.batch(() => (want ? this.cy.nodes().addClass('lbl') : this.cy.nodes().removeClass('lbl')));
      });
    }
    store.on('health', ({ deviceId }) => deviceId && this.recolour(deviceId));
    store.on('topology', () => this.sync());
  }

  /** First draw: all elements at their saved or computed places; no layout pass. */
  render(): Promise<void> {
    const els = elementsFor(this.store);
    const t = this.store.topology!;
    const computed = hierarchyPositions(t.devices, t.upstreams);
    for (const el of els) if (el.group === 'nodes' && !el.position) el.position = computed.get(el.data.id!) ?? { x: 0, y: 0 };
    this.cy.batch(() => this.cy.add(els));
    performance.mark('rigmap:added');
    this.fit();
    return Promise.resolve();
  }

  /** Fit the whole map, but never blow a small rig up past a readable size. */
  fit(): void {
    const bb = this.cy.nodes().boundingBox({ includeLabels: this.store.devices.size <= LAYOUT_THRESHOLD, includeOverlays: false });
    const zoom = Math.min((this.cy.width() - 60) / Math.max(1, bb.w), (this.cy.height() - 60) / Math.max(1, bb.h), 1.6);
    this.cy.viewport({ zoom, pan: { x: this.cy.width() / 2 - zoom * (bb.x1 + bb.w / 2), y: this.cy.height() / 2 - zoom * (bb.y1 + bb.h / 2) } });
  }

  /** A device's state or paths changed: new colours and badges, same places. */
  recolour(deviceId: string): void {
    const d = this.store.devices.get(deviceId);
    const node = this.cy.getElementById(devId(deviceId));
    if (!d || node.empty()) return;
    const { id: _id, ...data } = deviceData(d, this.store);
    node.data(data);
  }

  /** The topology changed (added, removed, edited): add and remove elements, leave the rest where it is. */
  sync(): void {
    const wanted = elementsFor(this.store);
    const ids = new Set(wanted.map((e) => e.data.id!));
    const t = this.store.topology!;
    let computed: Map<string, { x: number; y: number }> | null = null;
    this.cy.batch(() => {
      this.cy.elements().filter((e) => !ids.has(e.id())).remove();
      for (const el of wanted) {
        const existing = this.cy.getElementById(el.data.id!);
        if (existing.nonempty()) {
          const { id: _id, source: _s, target: _t, ...rest } = el.data;
          existing.data(rest);
          continue;
        }
        // A new device takes its place in the hierarchy; the others stay where they are.
        if (el.group === 'nodes' && !el.position) el.position = (computed ??= hierarchyPositions(t.devices, t.upstreams)).get(el.data.id!) ?? { x: 0, y: 0 };
        this.cy.add(el);
      }
    });
  }

  select(deviceId: string | null): void {
    this.cy.$(':selected').unselect();
    if (deviceId) this.cy.getElementById(devId(deviceId)).select();
  }

  private savePosition(node: NodeSingular): void {
    const id = node.data('deviceId') as string;
    window.clearTimeout(this.saveTimers.get(id));
    this.saveTimers.set(id, window.setTimeout(() => {
      const { x, y } = node.position();
      const position = { x: Math.round(x), y: Math.round(y) };
      const d = this.store.devices.get(id);
      if (d) d.position = position;
      api.updateDevice(id, { position }).catch((err: Error) => toast(`could not save the position of ${id}: ${err.message}`));
    }, 300));
  }

  resize(): void {
    this.cy.resize();
  }
}
