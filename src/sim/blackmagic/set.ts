/**
 * The simulated Blackmagic cameras of a rig (`rigmap sim --blackmagic N`): each
 * listens on a LAN-like and a Tailscale-like address, serves the REST API and
 * (unless turned off) the event WebSocket, and takes the usual faults per path.
 */
import type { ServerResponse } from 'node:http';
import { RigmapError, parseOrThrow } from '../../topology/errors.ts';
import type { InventoryDocument } from '../../topology/model.ts';
import { type AddressListener, bindAll, closeListener, openListener } from '../listeners.ts';
import { faultOnPath, type PathMode, type SimFault, simFaultSchema, type SimNode, type SimPath } from '../types.ts';
import { BlackmagicCamera } from './camera.ts';
import { BASE, createBlackmagicHandler } from './http.ts';
import { EventSocket } from './ws.ts';

/** Options of the Blackmagic part of a simulated rig. */
export interface BlackmagicSetOptions {
  lanIps: string[];
  tailnetIps: string[];
  port: number;
  /** Serve the event WebSocket (default true); false: the upgrade is answered 404 and rigmap must poll. */
  websocket: boolean;
  /** Id of camera i (0-based). */
  idOf: (i: number) => string;
  /** The device every camera reaches the LAN through (the hotspot), whose LAN loss cuts theirs. */
  uplink: string | null;
  uplinkDown: () => boolean;
}

interface Entry {
  node: SimNode;
  camera: BlackmagicCamera;
  fault: SimFault;
  sockets: Map<SimPath, EventSocket>;
}

/** A running set of simulated Blackmagic cameras. */
export interface BlackmagicSet {
  nodes: SimNode[];
  has(id: string): boolean;
  applyFault(id: string, fault: SimFault): Promise<void>;
  /** Re-open or close listeners after an uplink's fault changed. */
  reconcile(): Promise<void>;
  describe(id: string): { fault: SimFault; paths: { lan: PathMode['mode']; tailscale: PathMode['mode'] | null }; status: unknown; openStreams: number };
  manifest(): Pick<InventoryDocument, 'devices' | 'links'>;
  close(): Promise<void>;
}

/** Start `lanIps.length` simulated Blackmagic cameras; resolves once every address listens. */
export async function startBlackmagicSet(o: BlackmagicSetOptions): Promise<BlackmagicSet> {
  const now = Date.now();
  const entries = new Map<string, Entry>();
  const parked = new Set<ServerResponse>();
  const listeners: AddressListener[] = [];
  const modeOf = (e: Entry, path: SimPath): PathMode => (path === 'lan' && o.uplinkDown() ? { mode: 'down' } : faultOnPath(e.fault, path));
  o.lanIps.forEach((lanIp, i) => {
    const id = o.idOf(i);
    const num = String(i + 1).padStart(2, '0');
    const camera = new BlackmagicCamera({ id, deviceName: `Blackmagic ${num}`, index: i }, now);
    const e: Entry = { node: { id, name: `Blackmagic ${num}`, role: 'camera', lanIp, tailscaleIp: o.tailnetIps[i] ?? null, port: 0 }, camera, fault: { mode: 'ok' }, sockets: new Map() };
    entries.set(id, e);
    for (const [path, ip] of [['lan', lanIp], ['tailscale', e.node.tailscaleIp]] as const) {
      if (!ip) continue;
      const mode = () => modeOf(e, path);
      const socket = new EventSocket(camera, mode, o.websocket);
      e.sockets.set(path, socket);
      listeners.push({ deviceId: id, path, ip, server: null, handler: createBlackmagicHandler({ camera, mode, parked }), upgrade: socket.upgrade });
    }
  });
  const port = await bindAll(listeners, o.port);
  for (const e of entries.values()) e.node.port = port;
  const opening = new Map<AddressListener, Promise<void>>();

  const reconcile = (): Promise<void> => {
    for (const l of listeners) {
      const e = entries.get(l.deviceId)!;
      const down = modeOf(e, l.path).mode === 'down';
      if (down && l.server) {
        void closeListener(l);
        e.sockets.get(l.path)?.cut();
      } else if (!down && !l.server && !opening.has(l)) {
        const p = openListener(l, port)
          .then(async () => {
            if (modeOf(e, l.path).mode === 'down') await closeListener(l);
          })
          .catch(() => {})
          .finally(() => opening.delete(l));
        opening.set(l, p);
      }
    }
    return Promise.all(opening.values()).then(() => undefined);
  };

  const timer = setInterval(() => {
    const t = Date.now();
    for (const e of entries.values()) {
      e.camera.step(t);
      for (const s of e.sockets.values()) s.tick(t);
    }
    if (listeners.some((l) => !l.server && !opening.has(l))) void reconcile();
  }, 1000);

  return {
    nodes: [...entries.values()].map((e) => e.node),
    has: (id) => entries.has(id),
    reconcile,
    applyFault: (id, fault) => {
      const e = entries.get(id);
      if (!e) throw new RigmapError('not_found', `no simulated Blackmagic camera "${id}"`, { nodeId: id });
      e.fault = parseOrThrow(simFaultSchema, fault, 'fault') as SimFault;
      return reconcile();
    },
    describe: (id) => {
      const e = entries.get(id)!;
      const t = Date.now();
      e.camera.step(t);
      return {
        fault: e.fault,
        paths: { lan: modeOf(e, 'lan').mode, tailscale: e.node.tailscaleIp ? modeOf(e, 'tailscale').mode : null },
        status: { recording: e.camera.recording, clipName: e.camera.clipName, tally: e.camera.tally, power: e.camera.power(), workingset: e.camera.workingset() },
        openStreams: [...e.sockets.values()].reduce((n, s) => n + s.openCount, 0),
      };
    },
    manifest: () => ({
      devices: [...entries.values()].map(({ node, camera }) => ({
        id: node.id, name: node.name, role: 'camera' as const, model: camera.productName, expected: true,
        addresses: [
          { network: 'lan' as const, ip: node.lanIp, hostname: `${node.id}.local` },
          ...(node.tailscaleIp ? [{ network: 'tailscale' as const, ip: node.tailscaleIp, hostname: `${node.id}.sim.ts.net` }] : []),
        ],
        services: [{ name: 'blackmagic', protocol: 'http' as const, port: node.port, path: BASE }],
        tags: ['sim', 'blackmagic'], notes: 'simulated Blackmagic camera (rigmap sim --blackmagic)',
      })),
      links: o.uplink ? [...entries.values()].map((e) => ({ from: e.node.id, to: o.uplink!, kind: 'ethernet' as const })) : [],
    }),
    close: async () => {
      clearInterval(timer);
      for (const e of entries.values()) for (const s of e.sockets.values()) s.cut();
      for (const res of parked) res.destroy();
      await Promise.all(opening.values());
      await Promise.all(listeners.map(closeListener));
    },
  };
}
