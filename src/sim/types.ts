/**
 * Shared types of the camera-node simulator: fault modes, options, nodes.
 * The fault schema doubles as the control API's request validation.
 */
import { z } from 'zod';
import type { InventoryDocument } from '../topology/model.ts';
import type { BeatLag } from './beat-lag.ts';

/** One of the two networks a simulated device listens on. */
export type SimPath = 'lan' | 'tailscale';
export const SIM_PATHS: readonly SimPath[] = ['lan', 'tailscale'];

const pathSchema = z.enum(['lan', 'tailscale', 'both'], { error: 'must be lan, tailscale or both' }).optional();

/** A fault as given to `setFault` and to `POST /nodes/:id/fault`. */
export const simFaultSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('ok') }),
    z.strictObject({ mode: z.enum(['down', 'hang', 'garbage']), path: pathSchema }),
    z.strictObject({
      mode: z.literal('slow'),
      ms: z.number({ error: 'must be a number of milliseconds' }).int().min(1).max(600_000),
      path: pathSchema,
    }),
    z.strictObject({ mode: z.literal('lan-down') }),
    // A phone running Blackmagic Camera (src/sim/phone/): the app off screen (port refused), a format change (silent a few seconds).
    z.strictObject({ mode: z.literal('app-closed') }),
    z.strictObject({ mode: z.literal('format-change'), ms: z.number({ error: 'must be a number of milliseconds' }).int().min(1).max(60_000).optional() }),
    z.strictObject({ mode: z.literal('tailscale-down') }),
    // A phone's livestream (src/sim/phone/livestream.ts): refused (unsupported-format), dropped mid-stream, stalled (cache climbing).
    z.strictObject({ mode: z.enum(['stream-refuse', 'stream-drop', 'stream-stall']) }),
    // Node-level (contract v1.1, src/sim/shoot-faults.ts): they leave the path fault alone.
    z.strictObject({ mode: z.literal('clock-skew'), ms: z.number({ error: 'must be a number of milliseconds' }).int().min(-86_400_000).max(86_400_000) }),
    z.strictObject({ mode: z.literal('record-stop'), state: z.enum(['error', 'idle'], { error: 'must be error or idle' }).optional(), reason: z.string().max(200).optional() }),
    z.strictObject({ mode: z.literal('storage'), freeBytes: z.number({ error: 'must be a number of bytes' }).int().min(0) }),
  ],
  { error: 'mode must be one of ok, down, hang, slow, garbage, lan-down, tailscale-down, app-closed, format-change, stream-refuse, stream-drop, stream-stall, clock-skew, record-stop, storage' },
);

/** What is wrong with a node, per path (`path` defaults to both). */
export type SimFault =
  | { mode: 'ok' }
  | { mode: 'down' | 'hang' | 'garbage'; path?: 'lan' | 'tailscale' | 'both' }
  | { mode: 'slow'; ms: number; path?: 'lan' | 'tailscale' | 'both' }
  | { mode: 'lan-down' }
  | { mode: 'tailscale-down' }
  /** Phones: the app went off screen (listener closed: refused), or its video format changed (silent `ms`, default 3000). */
  | { mode: 'app-closed' }
  | { mode: 'format-change'; ms?: number }
  /** Phones: the livestream refused (unsupported-format), dropped mid-stream (calls again once cleared), stalled (cache climbing). */
  | { mode: 'stream-refuse' | 'stream-drop' | 'stream-stall' }
  | NodeFault;

/** Faults of the node itself rather than of a path (contract v1.1): clock, recording, storage. */
export type NodeFault =
  | { mode: 'clock-skew'; ms: number }
  | { mode: 'record-stop'; state?: 'error' | 'idle'; reason?: string }
  | { mode: 'storage'; freeBytes: number };

/** How one address of a node behaves right now, after faults and the hotspot cascade. */
export type PathMode = { mode: 'ok' } | { mode: 'down' } | { mode: 'hang' } | { mode: 'garbage' } | { mode: 'slow'; ms: number };

/** Options of `startSimRig`. */
export interface SimRigOptions {
  /** Cameras, default 4. */
  nodes?: number;
  /** LAN-like range, default '127.0.1.0/24' (first usable host onward). */
  lanCidr?: string;
  /** Tailscale-like range, default '127.100.0.0/16'. */
  tailnetCidr?: string;
  /** One port shared by every node on both addresses; 0 picks one free on all addresses. */
  port?: number;
  /** SSE heartbeat period, default 1000. */
  heartbeatMs?: number;
  /** Also a hotspot, a console and a relay (default true). */
  extras?: boolean;
  /** Publish every camera over Bonjour (`_rigcam._tcp`) on loopback, default false. */
  advertise?: boolean;
  /** IPv4 address of the interface Bonjour publishes on (default 127.0.0.1: nothing leaves the machine; the lab names a namespace's LAN address). */
  advertiseInterface?: string;
  /** Control API port on 127.0.0.1, default 0 (a free one). */
  controlPort?: number;
  /** Camera id prefix, default 'cam' → cam-01, cam-02 … */
  idPrefix?: string;
  /** Simulated Blackmagic cameras (bmd-01 …, src/sim/blackmagic/), default 0. */
  blackmagic?: number;
  /** Whether they serve the event WebSocket (default true); false: rigmap must poll them. */
  blackmagicWebsocket?: boolean;
  /** Simulated iPhones running Blackmagic Camera (phone-01 …: HTTPS 4444, src/sim/phone/), default 0. */
  phones?: number;
  /** The picture a phone told to livestream sends: 'small' (640x360, 10 fps, default) or '720p' (1280x720, 15 fps). */
  phoneStream?: 'small' | '720p';
  /** Draw the wall clock as a bar code on the phones' picture (the glass-to-board benchmark). */
  phoneStreamClock?: boolean;
  /** Port of the phones (default 4444, as the app). */
  phonePort?: number;
}

/** A simulated device as the caller sees it. */
export interface SimNode {
  id: string;
  name: string;
  role: string;
  lanIp: string;
  tailscaleIp: string | null;
  port: number;
}

/** Effective mode of one path, from a node's own fault alone. */
export function faultOnPath(fault: SimFault, path: SimPath): PathMode {
  switch (fault.mode) {
    case 'ok':
      return { mode: 'ok' };
    case 'lan-down':
      return path === 'lan' ? { mode: 'down' } : { mode: 'ok' };
    case 'tailscale-down':
      return path === 'tailscale' ? { mode: 'down' } : { mode: 'ok' };
    case 'app-closed':
      return { mode: 'down' };
    case 'format-change':
      // Accepts, never answers, until the set turns the fault back to ok.
      return { mode: 'hang' };
    case 'clock-skew':
    case 'record-stop':
    case 'storage':
    case 'stream-refuse':
    case 'stream-drop':
    case 'stream-stall':
      return { mode: 'ok' };
    default: {
      const on = fault.path ?? 'both';
      if (on !== 'both' && on !== path) return { mode: 'ok' };
      return fault.mode === 'slow' ? { mode: 'slow', ms: fault.ms } : { mode: fault.mode };
    }
  }
}

/** One device as the control API describes it. */
export interface SimNodeView extends SimNode {
  fault: SimFault;
  /** What a client sees on each address right now (after the hotspot cascade). */
  paths: { lan: PathMode['mode']; tailscale: PathMode['mode'] | null };
  /** `GET /api/v1/status` of a camera; null for the other devices. */
  status: unknown;
  openStreams: number;
  /** How far the node's clock runs off (the `clock-skew` fault), in ms. */
  clockSkewMs: number;
}

/** A running simulated rig. */
export interface SimRig {
  /** Cameras first, then extras. */
  nodes: SimNode[];
  /** http://127.0.0.1:<controlPort> */
  controlUrl: string;
  /** Set a node's fault; throws for an unknown node or a bad fault. Listeners follow at once. */
  setFault(nodeId: string, fault: SimFault): void;
  /** Like setFault, resolved once every address is listening or closed as asked. */
  applyFault(nodeId: string, fault: SimFault): Promise<void>;
  /** Change a camera's settings as a crew member would on the camera (format, ISO…, `lacks`, `restart`; src/sim/look.ts). */
  setLook(nodeId: string, patch: unknown): void;
  /** Every device with its fault, effective path modes and status. */
  describe(): SimNodeView[];
  /** The rig as an inventory document (DESIGN.md v1) for `importInventory`. */
  manifest(opts?: { rigName?: string }): InventoryDocument;
  /** How late its heartbeats went out (benchmarks print it beside rigmap's latency). */
  beatLag: BeatLag;
  close(): Promise<void>;
}
