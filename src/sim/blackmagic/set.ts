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
import { PhoneLivestream } from '../phone/livestream.ts';
import { SIM_STREAM_SMALL, type SimStreamFormat } from '../phone/srt-caller.ts';

const PHONE_MODEL = 'iPhone 17 Pro';
const PHONE_APP_VERSION = '3.5.100017';
const FORMATS = ['1920x1080p60', '3840x2160p30'];

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
  /** Phones running Blackmagic Camera (src/sim/phone/): HTTPS with a certificate each, app faults. */
  phone?: PhoneVariant;
}

/** What makes the set a set of phones. */
export interface PhoneVariant {
  /** The device UUID of phone i (Bonjour instance name, TXT device_id). */
  uuidOf: (i: number) => string;
  tlsOf: (uuid: string) => { key: string; cert: string };
  /** The picture a phone told to livestream sends (default SIM_STREAM_SMALL). */
  streamFormat?: SimStreamFormat;
}

interface Entry {
  node: SimNode;
  camera: BlackmagicCamera;
  fault: SimFault;
  sockets: Map<SimPath, EventSocket>;
  /** Phones: the device UUID and the timer that ends a format-change silence. */
  uuid?: string;
  faultTimer?: NodeJS.Timeout;
  /** Phones: the livestream (an SRT caller when told to stream). */
  livestream?: PhoneLivestream;
}

/** A running set of simulated Blackmagic cameras. */
export interface BlackmagicSet {
  nodes: SimNode[];
  has(id: string): boolean;
  applyFault(id: string, fault: SimFault): Promise<void>;
  /** Change a camera's settings as a crew member would on the camera (src/sim/look.ts SimLookPatch). */
  setLook(id: string, patch: unknown): void;
  /** Re-open or close listeners after an uplink's fault changed. */
  reconcile(): Promise<void>;
  /** Phones: the device UUID (Bonjour instance name and TXT device_id). */
  uuidOf(id: string): string | null;
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
  // A phone behind a lost hotspot is silent, not refused: a refusal would prove it is there.
  const uplinkMode: PathMode = o.phone ? { mode: 'hang' } : { mode: 'down' };
  const modeOf = (e: Entry, path: SimPath): PathMode => (path === 'lan' && o.uplinkDown() ? uplinkMode : faultOnPath(e.fault, path));
  o.lanIps.forEach((lanIp, i) => {
    const id = o.idOf(i);
    const num = String(i + 1).padStart(2, '0');
    // Phones carry the camera letter set in the app ("A") as their device name.
    const letter = String.fromCharCode(65 + (i % 26));
    const camera = o.phone
      ? new BlackmagicCamera({ id, deviceName: letter, index: i, productName: PHONE_MODEL, softwareVersion: PHONE_APP_VERSION }, now)
      : new BlackmagicCamera({ id, deviceName: `Blackmagic ${num}`, index: i }, now);
    const name = o.phone ? `Cam ${letter}` : `Blackmagic ${num}`;
    const e: Entry = { node: { id, name, role: 'camera', lanIp, tailscaleIp: o.tailnetIps[i] ?? null, port: 0 }, camera, fault: { mode: 'ok' }, sockets: new Map(), uuid: o.phone?.uuidOf(i) };
    if (o.phone) e.livestream = new PhoneLivestream(o.phone.streamFormat ?? SIM_STREAM_SMALL);
    const tls = e.uuid ? o.phone!.tlsOf(e.uuid) : undefined;
    entries.set(id, e);
    for (const [path, ip] of [['lan', lanIp], ['tailscale', e.node.tailscaleIp]] as const) {
      if (!ip) continue;
      const mode = () => modeOf(e, path);
      const socket = new EventSocket(camera, mode, o.websocket);
      e.sockets.set(path, socket);
      const phone = o.phone ? { videoFormat: () => camera.videoFormat, livestream: e.livestream } : undefined;
      listeners.push({ deviceId: id, path, ip, server: null, handler: createBlackmagicHandler({ camera, mode, parked, phone }), upgrade: socket.upgrade, tls });
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
    uuidOf: (id) => entries.get(id)?.uuid ?? null,
    reconcile,
    applyFault: (id, fault) => {
      const e = entries.get(id);
      if (!e) throw new RigmapError('not_found', `no simulated Blackmagic camera "${id}"`, { nodeId: id });
      const parsed = parseOrThrow(simFaultSchema, fault, 'fault') as SimFault;
      if ((parsed.mode === 'app-closed' || parsed.mode === 'format-change' || parsed.mode.startsWith('stream-')) && !o.phone) {
        throw new RigmapError('validation_failed', `${parsed.mode} is a fault of a phone running Blackmagic Camera; "${id}" is a studio camera`);
      }
      // Livestream faults leave the paths alone; "ok" clears them too.
      if (parsed.mode === 'stream-refuse' || parsed.mode === 'stream-drop' || parsed.mode === 'stream-stall') {
        e.livestream?.setFault(parsed.mode.slice('stream-'.length) as 'refuse' | 'drop' | 'stall');
        return Promise.resolve();
      }
      if (parsed.mode === 'ok') e.livestream?.setFault('none');
      if (e.faultTimer) clearTimeout(e.faultTimer);
      if (parsed.mode === 'format-change') {
        // The format changes (pushed on the event WebSocket while it still talks), then the app is silent for a few seconds.
        e.camera.setVideoFormat(FORMATS[(FORMATS.indexOf(e.camera.videoFormat) + 1) % FORMATS.length]!);
      }
      e.fault = parsed;
      if (parsed.mode === 'format-change') {
        e.faultTimer = setTimeout(() => {
          if (e.fault === parsed) e.fault = { mode: 'ok' };
        }, parsed.ms ?? 3000);
        e.faultTimer.unref?.();
      }
      return reconcile();
    },
    setLook: (id, patch) => {
      const e = entries.get(id);
      if (!e) throw new RigmapError('not_found', `no simulated Blackmagic camera "${id}"`, { nodeId: id });
      e.camera.look.apply(patch);
    },
    describe: (id) => {
      const e = entries.get(id)!;
      const t = Date.now();
      e.camera.step(t);
      return {
        fault: e.fault,
        paths: { lan: modeOf(e, 'lan').mode, tailscale: e.node.tailscaleIp ? modeOf(e, 'tailscale').mode : null },
        status: {
          recording: e.camera.recording, clipName: e.camera.clipName, tally: e.camera.tally, power: e.camera.power(), workingset: e.camera.workingset(),
          videoFormat: e.camera.videoFormat, iso: e.camera.look.iso, shutterSpeed: e.camera.look.shutterSpeed, whiteBalance: e.camera.look.whiteBalance,
          autoExposure: e.camera.look.autoExposure, slate: e.camera.look.has('slate') ? e.camera.look.slate : null, lastSlate: e.camera.lastSlate,
          ...(e.livestream ? { livestream: { ...e.livestream.state(), fault: e.livestream.fault, active: e.livestream.active, customPlatforms: [...e.livestream.custom.keys()], callersStarted: e.livestream.callersStarted } } : {}),
        },
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
        services: [{ name: 'blackmagic', protocol: o.phone ? ('https' as const) : ('http' as const), port: node.port, path: BASE }],
        tags: o.phone ? ['sim', 'phone'] : ['sim', 'blackmagic'],
        notes: o.phone ? 'simulated iPhone running Blackmagic Camera (rigmap sim --phones)' : 'simulated Blackmagic camera (rigmap sim --blackmagic)',
      })),
      links: o.uplink ? [...entries.values()].map((e) => ({ from: e.node.id, to: o.uplink!, kind: 'ethernet' as const })) : [],
    }),
    close: async () => {
      clearInterval(timer);
      for (const e of entries.values()) if (e.faultTimer) clearTimeout(e.faultTimer);
      // No ffmpeg caller outlives the simulator.
      await Promise.all([...entries.values()].map((e) => e.livestream?.close()));
      for (const e of entries.values()) for (const s of e.sockets.values()) s.cut();
      for (const res of parked) res.destroy();
      await Promise.all(opening.values());
      await Promise.all(listeners.map(closeListener));
    },
  };
}
