/**
 * `startSimRig`: a whole simulated rig in one process. Every device listens on
 * its LAN-like and Tailscale-like address on one shared port; one shared timer
 * drives heartbeats and physics for all of them; faults are applied per path.
 */
import type { ServerResponse } from 'node:http';
import ipaddr from 'ipaddr.js';
import { RigmapError, parseOrThrow } from '../topology/errors.ts';
import type { InventoryDocument } from '../topology/model.ts';
import { startAdvertising } from './advertise.ts';
import { addBlackmagicCameras } from './blackmagic/hook.ts';
import { startControlServer } from './control.ts';
import { advertisePhones } from './phone/advertise.ts';
import { addPhones } from './phone/hook.ts';
import { SIM_STREAM_720P, SIM_STREAM_SMALL } from './phone/srt-caller.ts';
import { SimDevice } from './device.ts';
import { buildLayout, buildManifest } from './layout.ts';
import { type AddressListener, bindAll, closeListener, openListener } from './listeners.ts';
import { StreamBeats } from './stream-beats.ts';
import { BeatLag } from './beat-lag.ts';
import { createNodeHandler } from './node-http.ts';
import { applyNodeFault } from './shoot-faults.ts';
import { faultOnPath, type PathMode, type SimFault, simFaultSchema, type SimNode, type SimNodeView, type SimPath, type SimRig, type SimRigOptions } from './types.ts';

export type { SimFault, SimNode, SimNodeView, SimRig, SimRigOptions } from './types.ts';

/** Start a simulated rig; resolves once every address is listening. */
export async function startSimRig(opts: SimRigOptions = {}): Promise<SimRig> {
  const nodes = opts.nodes ?? 4;
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > 5000) throw new RigmapError('validation_failed', `--nodes must be a whole number from 0 to 5000 (got ${nodes})`);
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 50 || heartbeatMs > 600_000) {
    throw new RigmapError('validation_failed', `--heartbeat-ms must be a whole number from 50 to 600000 (got ${heartbeatMs})`);
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RigmapError('validation_failed', `--port must be 0-65535 (got ${port})`);
  if (opts.advertiseInterface !== undefined && !ipaddr.IPv4.isValidFourPartDecimal(opts.advertiseInterface)) {
    throw new RigmapError('validation_failed', `--advertise-on must be an IPv4 address of this machine (got "${opts.advertiseInterface}")`);
  }
  const idPrefix = opts.idPrefix ?? 'cam';
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(idPrefix)) throw new RigmapError('validation_failed', `id prefix "${idPrefix}" must be lower-case letters, digits and hyphens`);

  const specs = buildLayout({ nodes, lanCidr: opts.lanCidr ?? '127.0.1.0/24', tailnetCidr: opts.tailnetCidr ?? '127.100.0.0/16', extras: opts.extras ?? true, idPrefix });
  const devices = new Map<string, SimDevice>();
  const parked = new Set<ServerResponse>();
  const beatLag = new BeatLag();
  const beats = new StreamBeats(beatLag);
  const startedAt = Date.now();

  const modeOf = (id: string, path: SimPath): PathMode => {
    const d = devices.get(id)!;
    if (path === 'lan' && d.spec.uplink) {
      // The hotspot is gone (down: refused) or hangs (silent): everything that reached the LAN through it does too.
      const up = devices.get(d.spec.uplink);
      const upMode = up ? faultOnPath(up.fault, 'lan').mode : 'ok';
      if (upMode === 'down' || upMode === 'hang') return { mode: upMode };
    }
    return faultOnPath(d.fault, path);
  };

  const listeners: AddressListener[] = [];
  for (const spec of specs) {
    const device = new SimDevice(spec, startedAt, (path) => modeOf(spec.id, path));
    devices.set(spec.id, device);
    for (const [path, ip] of [['lan', spec.lanIp], ['tailscale', spec.tailscaleIp]] as const) {
      if (!ip) continue;
      listeners.push({ deviceId: spec.id, path, ip, server: null, handler: createNodeHandler({ device, path, heartbeatMs, parked, beats }) });
    }
  }

  const boundPort = await bindAll(listeners, port);
  for (const spec of specs) spec.port = boundPort;
  const opening = new Map<AddressListener, Promise<void>>();

  /** Make every listener match its path's mode: closed when down, listening otherwise. */
  const reconcile = (): Promise<void> => {
    for (const l of listeners) {
      const down = modeOf(l.deviceId, l.path).mode === 'down';
      if (down && l.server) {
        void closeListener(l);
        devices.get(l.deviceId)!.cutStreams(l.path);
      } else if (!down && !l.server && !opening.has(l)) {
        const p = openListener(l, boundPort)
          .then(async () => {
            // The fault may have come back while we were binding.
            if (modeOf(l.deviceId, l.path).mode === 'down') await closeListener(l);
          })
          .catch(() => {}) // retried by the next tick
          .finally(() => opening.delete(l));
        opening.set(l, p);
      }
    }
    return Promise.all(opening.values()).then(() => undefined);
  };

  const timer = setInterval(() => {
    const now = Date.now();
    for (const d of devices.values()) d.tick(now);
    if (listeners.some((l) => !l.server && !opening.has(l))) void reconcile();
  }, heartbeatMs);

  // Simulated Blackmagic cameras (src/sim/blackmagic/), on the addresses after the rig's own.
  const bmd = await addBlackmagicCameras({
    count: opts.blackmagic ?? 0, websocket: opts.blackmagicWebsocket ?? true, specs, lanCidr: opts.lanCidr ?? '127.0.1.0/24', tailnetCidr: opts.tailnetCidr ?? '127.100.0.0/16',
    port: boundPort, idPrefix, hotspotDown: () => specs.some((s) => s.role === 'hotspot' && modeOf(s.id, 'lan').mode === 'down'),
  }).catch(async (err: unknown) => {
    clearInterval(timer);
    await Promise.all(listeners.map(closeListener));
    throw err;
  });

  // Simulated iPhones running Blackmagic Camera (src/sim/phone/), after the Blackmagic cameras.
  const phones = await addPhones({
    count: opts.phones ?? 0, websocket: true, specs, skip: opts.blackmagic ?? 0, lanCidr: opts.lanCidr ?? '127.0.1.0/24', tailnetCidr: opts.tailnetCidr ?? '127.100.0.0/16',
    port: opts.phonePort, idPrefix, streamFormat: { ...(opts.phoneStream === '720p' ? SIM_STREAM_720P : SIM_STREAM_SMALL), clockStrip: opts.phoneStreamClock === true }, hotspotDown: () => specs.some((s) => s.role === 'hotspot' && modeOf(s.id, 'lan').mode !== 'ok'),
  }).catch(async (err: unknown) => {
    clearInterval(timer);
    await bmd?.close();
    await Promise.all(listeners.map(closeListener));
    throw err;
  });

  const applyFault = (nodeId: string, fault: SimFault): Promise<void> => {
    if (bmd?.has(nodeId)) return bmd.applyFault(nodeId, fault);
    if (phones?.has(nodeId)) return phones.applyFault(nodeId, fault);
    if (fault.mode === 'app-closed' || fault.mode === 'format-change') throw new RigmapError('validation_failed', `${fault.mode} is a fault of a simulated phone (--phones); "${nodeId}" is not one`);
    const device = devices.get(nodeId);
    if (!device) throw new RigmapError('not_found', `no simulated node "${nodeId}" (nodes: ${[...devices.keys()].slice(0, 8).join(', ')}${devices.size > 8 ? ', …' : ''})`, { nodeId });
    const parsed = parseOrThrow(simFaultSchema, fault, 'fault') as SimFault;
    if (applyNodeFault(device, parsed, Date.now())) return Promise.resolve();
    device.fault = parsed;
    return Promise.all([reconcile(), bmd?.reconcile(), phones?.reconcile()]).then(() => undefined);
  };

  const nodeList: SimNode[] = [...specs.map((s) => ({ id: s.id, name: s.name, role: s.role, lanIp: s.lanIp, tailscaleIp: s.tailscaleIp, port: s.port })), ...(bmd?.nodes ?? []), ...(phones?.nodes ?? [])];
  const rig: SimRig = {
    nodes: nodeList,
    controlUrl: '',
    setFault: (nodeId, fault) => void applyFault(nodeId, fault),
    applyFault,
    setLook: (nodeId, patch) => {
      if (bmd?.has(nodeId)) return bmd.setLook(nodeId, patch);
      if (phones?.has(nodeId)) return phones.setLook(nodeId, patch);
      const device = devices.get(nodeId);
      if (!device?.cam) throw new RigmapError('not_found', `no simulated camera "${nodeId}"`, { nodeId });
      device.cam.look.apply(patch);
      device.publishStatusIfChanged(Date.now());
    },
    describe: () =>
      nodeList.map((n) => {
        if (bmd?.has(n.id)) return { ...n, clockSkewMs: 0, ...bmd.describe(n.id) };
        if (phones?.has(n.id)) return { ...n, clockSkewMs: 0, ...phones.describe(n.id) };
        const d = devices.get(n.id)!;
        const now = Date.now();
        d.cam?.step(now);
        return {
          ...n,
          fault: d.fault,
          paths: { lan: modeOf(n.id, 'lan').mode, tailscale: n.tailscaleIp ? modeOf(n.id, 'tailscale').mode : null },
          status: d.cam ? d.cam.status(now) : null,
          openStreams: d.streams.size,
          clockSkewMs: d.cam?.clockSkewMs ?? 0,
        };
      }),
    manifest: (o) => {
      const doc = buildManifest(specs, o?.rigName);
      for (const extra of [bmd?.manifest(), phones?.manifest()]) if (extra) Object.assign(doc, { devices: [...doc.devices, ...extra.devices], links: [...doc.links, ...extra.links] });
      return doc;
    },
    beatLag,
    close: async () => {},
  };

  const control = await startControlServer({ rig, port: opts.controlPort ?? 0 });
  rig.controlUrl = control.url;
  const advertising = opts.advertise ? startAdvertising(nodeList.filter((n) => n.role === 'camera' && !bmd?.has(n.id) && !phones?.has(n.id)), opts.advertiseInterface) : null;
  const phoneAds = opts.advertise && phones
    ? advertisePhones(phones.nodes.map((node) => ({ node, uuid: phones.uuidOf(node.id)!, cameraName: node.name.replace(/^Cam /, ''), model: 'iPhone 17 Pro', version: '3.5.100017' })), opts.advertiseInterface)
    : null;

  rig.close = async () => {
    clearInterval(timer);
    await advertising?.stop();
    await phoneAds?.stop();
    await control.close();
    for (const d of devices.values()) d.cutStreams();
    beats.close();
    for (const res of parked) res.destroy();
    await Promise.all(opening.values());
    await Promise.all(listeners.map(closeListener));
    await bmd?.close();
    await phones?.close();
  };
  return rig;
}
