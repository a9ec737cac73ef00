/**
 * The topology graph (cytoscape). Devices are nodes shaped by role and coloured
 * by state; the LAN and the tailnet are two network nodes devices attach to, one
 * edge per network coloured by that path's state and labelled with its latency;
 * links join devices. Live changes only touch element data (a restyle), never the
 * layout. Above LAYOUT_THRESHOLD devices a grid replaces fcose so the first render
 * stays fast; positions a user drags are saved per device and always win.
 */
import cytoscape, { type Core, type ElementDefinition, type NodeSingular } from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { Network } from '../topology/model.ts';
import { api, type LiveDevice } from './api.ts';
import { ms, toast } from './format.ts';
import { networkState, type Store } from './state.ts';
import { tailscaleQualityOf } from './tailscale-paths.ts';

cytoscape.use(fcose);

/** Above this many devices, fcose is replaced by a grid (fcose is O(n²) per iteration). */
export const LAYOUT_THRESHOLD = 300;
const NETWORKS: Network[] = ['lan', 'tailscale'];
const COLORS = { up: '#34b35a', degraded: '#e0a21b', down: '#ef5350', unknown: '#8e98a4', flapping: '#b27ae6', out_of_scope: '#5d6670', none: '#5d6670' };
const SHAPES: Record<string, string> = {
  camera: 'ellipse', console: 'round-rectangle', relay: 'diamond', server: 'barrel',
  hotspot: 'triangle', router: 'hexagon', monitor: 'round-tag', other: 'octagon',
};

const devId = (id: string) => `dev:${id}`;
const attId = (id: string, n: Network) => `att:${id}:${n}`;

function deviceData(d: LiveDevice, store: Store) {
  return { id: devId(d.id), deviceId: d.id, label: d.name || d.id, role: d.role, state: store.stateOf(d.id) };
}

function attachmentData(d: LiveDevice, n: Network, store: Store) {
  const ns = networkState(store.health.get(d.id), n);
  const base = ns.state === 'up' ? ms(ns.latencyMs) : ns.state === 'down' ? 'down' : ns.state === 'out_of_scope' ? 'out of scope' : '';
  // The tailnet edge also says how Tailscale carries it: direct, derp, peer-relay, idle, offline.
  const tsQuality = n === 'tailscale' ? tailscaleQualityOf(d.id)?.quality ?? '' : '';
  const label = [base, tsQuality].filter(Boolean).join(' · ');
  return { id: attId(d.id, n), source: devId(d.id), target: `net:${n}`, pathState: ns.state, label, tsQuality, kind: 'attachment' };
}

function elementsFor(store: Store): ElementDefinition[] {
  const t = store.topology!;
  const els: ElementDefinition[] = t.networks.map((n) => ({ group: 'nodes', data: { id: `net:${n.id}`, label: n.name, kind: 'network' }, classes: 'network' }));
  for (const d of t.devices) {
    els.push({ group: 'nodes', data: deviceData(d, store), classes: 'device', position: d.position ? { ...d.position } : undefined });
    for (const n of NETWORKS) if (d.addresses.some((a) => a.network === n)) els.push({ group: 'edges', data: attachmentData(d, n, store), classes: 'attachment' });
  }
  for (const l of t.links) els.push({ group: 'edges', data: { id: `link:${l.id}`, source: devId(l.from), target: devId(l.to), label: l.kind }, classes: 'link' });
  return els;
}

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { label: 'data(label)', color: '#eef1f5', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4, 'min-zoomed-font-size': 7, 'text-outline-color': '#111418', 'text-outline-width': 2 } },
  { selector: 'node.device', style: { width: 30, height: 30, 'background-color': COLORS.unknown, 'border-width': 2, 'border-color': '#111418' } },
  ...Object.entries(SHAPES).map(([role, shape]) => ({ selector: `node.device[role="${role}"]`, style: { shape } as cytoscape.Css.Node })),
  ...(['up', 'degraded', 'down', 'unknown', 'flapping'] as const).map((s) => ({ selector: `node.device[state="${s}"]`, style: { 'background-color': COLORS[s] } })),
  { selector: 'node.network', style: { shape: 'round-rectangle', width: 90, height: 34, 'background-color': '#2b3a4d', 'border-color': '#5cb8ff', 'border-width': 2, 'text-valign': 'center', 'text-margin-y': 0, 'font-size': 14, 'font-weight': 'bold' } },
  { selector: 'node:selected', style: { 'border-color': '#5cb8ff', 'border-width': 4 } },
  { selector: 'edge', style: { width: 2, 'curve-style': 'haystack', 'line-color': COLORS.none, label: 'data(label)', 'font-size': 9, color: '#c9d1da', 'min-zoomed-font-size': 8, 'text-background-color': '#111418', 'text-background-opacity': 0.8, 'text-background-padding': '1px' } },
  ...(['up', 'down', 'unknown', 'out_of_scope'] as const).map((s) => ({ selector: `edge.attachment[pathState="${s}"]`, style: { 'line-color': COLORS[s] } })),
  { selector: 'edge.attachment[pathState="down"]', style: { 'line-style': 'dashed' } },
  { selector: 'edge.link', style: { 'line-color': '#5cb8ff', width: 2.5, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#5cb8ff' } },
];

/** Grid positions for devices without a saved one, with the networks above and below. */
function gridPositions(store: Store): Map<string, { x: number; y: number }> {
  const devices = [...store.devices.values()].sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  const cols = Math.max(1, Math.ceil(Math.sqrt(devices.length * 1.8)));
  const gap = 70;
  const out = new Map<string, { x: number; y: number }>();
  devices.forEach((d, i) => out.set(devId(d.id), { x: (i % cols) * gap, y: Math.floor(i / cols) * gap }));
  const width = (cols - 1) * gap;
  const rows = Math.ceil(devices.length / cols);
  out.set('net:lan', { x: width / 2, y: -120 });
  out.set('net:tailscale', { x: width / 2, y: rows * gap + 50 });
  return out;
}

/** The graph view: owns the cytoscape instance and keeps it in step with the store. */
export class GraphView {
  readonly cy: Core;
  private saveTimers = new Map<string, number>();

  constructor(private readonly container: HTMLElement, private readonly store: Store, private readonly onSelect: (deviceId: string | null) => void) {
    const big = store.devices.size > LAYOUT_THRESHOLD;
    // Big rigs: skip the costly bits of each frame (text outlines, hi-dpi canvas, edges while panning).
    // Labels are drawn only once zoomed in (`.labels` on the core's container), which
    // keeps a 1,000-device first paint from measuring thousands of strings.
    const style = big ? [...STYLE,
      { selector: 'node.device', style: { 'text-outline-width': 0, label: '' } }, { selector: 'edge', style: { label: '' } },
      { selector: 'edge.link', style: { 'curve-style': 'haystack', 'target-arrow-shape': 'none', width: 1.5 } },
      { selector: '.lbl', style: { label: 'data(label)' } }] : STYLE;
    this.cy = cytoscape({ container, style, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 3, textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : 'auto', motionBlur: false });
    this.cy.on('tap', 'node.device', (ev) => this.onSelect((ev.target as NodeSingular).data('deviceId')));
    this.cy.on('tap', (ev) => { if (ev.target === this.cy) this.onSelect(null); });
    this.cy.on('dragfree', 'node.device', (ev) => this.savePosition(ev.target as NodeSingular));
    if (big) {
      let labelled = false;
      this.cy.on('zoom', () => {
        const want = this.cy.zoom() >= 0.7;
        if (want === labelled) return;
        labelled = want;
        this.cy.batch(() => (want ? this.cy.elements().addClass('lbl') : this.cy.elements().removeClass('lbl')));
      });
    }
    store.on('health', ({ deviceId }) => deviceId && this.recolour(deviceId));
    store.on('topology', () => this.sync());
  }

  /** First draw: all elements, then one layout. */
  render(): Promise<void> {
    const els = elementsFor(this.store);
    const big = this.store.devices.size > LAYOUT_THRESHOLD;
    if (big) {
      // Positions go in with the elements: no layout pass at all for a big rig.
      const grid = gridPositions(this.store);
      for (const el of els) if (el.group === 'nodes' && !el.position) el.position = grid.get(el.data.id!) ?? { x: 0, y: 0 };
    }
    this.cy.batch(() => this.cy.add(els));
    performance.mark('rigmap:added');
    return (big ? Promise.resolve() : this.layout()).then(() => this.fit());
  }

  /** Fit the whole map, but never blow a small rig up past a readable size. */
  fit(): void {
    if (this.store.devices.size > LAYOUT_THRESHOLD) {
      // Fitting measures every label; on a big rig the node centres are enough.
      const bb = this.cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false });
      const zoom = Math.min((this.cy.width() - 60) / Math.max(1, bb.w), (this.cy.height() - 60) / Math.max(1, bb.h), 1.1);
      this.cy.viewport({ zoom, pan: { x: this.cy.width() / 2 - zoom * (bb.x1 + bb.w / 2), y: this.cy.height() / 2 - zoom * (bb.y1 + bb.h / 2) } });
      return;
    }
    this.cy.fit(undefined, 30);
    if (this.cy.zoom() > 1.6) {
      this.cy.zoom(1.6);
      this.cy.center();
    }
  }

  private layout(): Promise<void> {
    const devices = [...this.store.devices.values()];
    const saved = devices.filter((d) => d.position);
    if (devices.length > LAYOUT_THRESHOLD || (devices.length > 0 && saved.length === devices.length)) {
      const grid = gridPositions(this.store);
      const run = this.cy.layout({ name: 'preset', positions: (n: NodeSingular) => n.position().x || n.position().y ? n.position() : grid.get(n.id()) ?? { x: 0, y: 0 }, fit: true, padding: 30, animate: false } as cytoscape.LayoutOptions);
      const done = run.promiseOn('layoutstop');
      run.run();
      return done.then(() => undefined);
    }
    const run = this.cy.layout({
      name: 'fcose', quality: devices.length > 120 ? 'draft' : 'default', randomize: true, animate: false, fit: true, padding: 30, nodeRepulsion: 6000, idealEdgeLength: 90,
      fixedNodeConstraint: saved.length ? saved.map((d) => ({ nodeId: devId(d.id), position: { ...d.position! } })) : undefined,
    } as cytoscape.LayoutOptions);
    const done = run.promiseOn('layoutstop');
    run.run();
    return done.then(() => undefined);
  }

  /** A device's state or paths changed: new colours and labels, same places. */
  recolour(deviceId: string): void {
    const d = this.store.devices.get(deviceId);
    const node = this.cy.getElementById(devId(deviceId));
    if (!d || node.empty()) return;
    node.data('state', this.store.stateOf(deviceId));
    for (const n of NETWORKS) {
      const edge = this.cy.getElementById(attId(deviceId, n));
      if (edge.nonempty()) {
        const { pathState, label, tsQuality } = attachmentData(d, n, this.store);
        edge.data({ pathState, label, tsQuality });
      }
    }
  }

  /** The topology changed (added, removed, edited): add and remove elements, leave the rest where it is. */
  sync(): void {
    const wanted = elementsFor(this.store);
    const ids = new Set(wanted.map((e) => e.data.id!));
    this.cy.batch(() => {
      this.cy.elements().filter((e) => !ids.has(e.id())).remove();
      const added: string[] = [];
      for (const el of wanted) {
        const existing = this.cy.getElementById(el.data.id!);
        if (existing.nonempty()) {
          const { id: _id, source: _s, target: _t, ...rest } = el.data;
          existing.data(rest);
          continue;
        }
        if (el.group === 'nodes' && !el.position) {
          // A new device lands next to the network it attaches to, not in a relayout.
          const d = this.store.devices.get(el.data.deviceId);
          const net = d?.addresses[0]?.network ?? 'lan';
          const anchor = this.cy.getElementById(`net:${net}`);
          const base = anchor.nonempty() ? anchor.position() : { x: 0, y: 0 };
          el.position = { x: base.x + (Math.random() - 0.5) * 160, y: base.y + (net === 'lan' ? 90 : -90) + Math.random() * 40 };
        }
        added.push(el.data.id!);
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
