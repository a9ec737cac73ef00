/**
 * Live previews of phones running Blackmagic Camera, which have no preview
 * endpoint: one ./session.ts per phone, opened by the preview hub like any node
 * preview (the hub's `connect` gets a multipart JPEG stream from here), so the
 * hub's sharing, per-viewer frame skipping, stream cap and relay apply as they
 * do for camera nodes. The hub closing its connection (last viewer gone) lets
 * the session linger, then stop. Views and notes for the panel and tiles.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { createSocket } from 'node:dgram';
import type { Clock } from '../../clock.ts';
import type { Ctx } from '../../context.ts';
import { getDevice } from '../../devices.ts';
import { RigmapError } from '../../errors.ts';
import type { DeviceHealth } from '../../health-types.ts';
import type { Device } from '../../model.ts';
import { orderPaths } from '../../relay/paths.ts';
import { withoutSelfPaths } from '../../relay/relay.ts';
import type { SelfAddress } from '../../relay/self.ts';
import type { ProbeScope } from '../../probes/scope.ts';
import { isBlackmagicService } from '../../services.ts';
import { trustOf } from '../../trust/pins.ts';
import { encodePart } from '../mjpeg.ts';
import { checkFfmpeg } from './ffmpeg-check.ts';
import { LivestreamApi } from './livestream-api.ts';
import { PhoneSession, type PhonePreviewState, type PhoneStreamHealth, SESSION_TIMING, type SessionTiming } from './session.ts';
import { freeUdpPort } from './srt-receiver.ts';

const BOUNDARY = 'rigmap-phone';
/** How long a phone's refusal is answered from memory before the phone is asked again. */
export const REFUSAL_COOLDOWN_MS = 10_000;
/** Bytes an output may hold unread before frames are skipped for it. */
const MAX_OUTPUT_BUFFER = 2 * 1024 * 1024;

/** What a phone preview costs, said in the panel. */
export const PHONE_PREVIEW_COST = 'A live preview makes the phone livestream to rigmap: it costs the phone battery and about 2 Mbit/s on the hotspot. It stops 30 s after the last viewer leaves.';

/** A phone's preview as the panel and tiles show it. */
export interface PhonePreviewView {
  deviceId: string;
  mode: 'off' | 'on-request';
  state: PhonePreviewState | 'idle';
  /** Why it stopped or failed, or a note such as "streaming elsewhere". */
  message: string | null;
  health: PhoneStreamHealth | null;
  /** Viewers' connections from the hub right now (one per phone, whatever the viewers). */
  outputs: number;
  cost: string;
}

export interface PhonePreviewsOptions {
  mode: 'off' | 'on-request';
  ffmpeg: string;
  /** rigmap's address for phones to call; '' finds the address the system uses toward each phone. */
  listenAddress: string;
  ctx: () => Ctx;
  scope: ProbeScope;
  health?: (deviceId: string) => DeviceHealth | undefined;
  self?: () => SelfAddress;
  clock: Clock;
  timing?: Partial<SessionTiming>;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

interface Entry {
  session: PhoneSession;
  outputs: Set<PassThrough>;
}

/** Is `device` a Blackmagic camera without a camera-node API (its pictures come from its livestream)? */
export function isLivestreamCamera(device: Pick<Device, 'services'>): boolean {
  return device.services.some(isBlackmagicService);
}

export class PhonePreviews {
  private readonly live = new Map<string, Entry>();
  /** The last outcome per phone (streaming elsewhere, refused, failed), for tiles. */
  private readonly last = new Map<string, { state: PhonePreviewState; message: string | null; error?: Error; at: number }>();
  private readonly timing: SessionTiming;

  constructor(private readonly o: PhonePreviewsOptions) {
    this.timing = { ...SESSION_TIMING, ...o.timing };
  }

  /** Is a preview of `deviceId` running (joining one needs no operator)? */
  running(deviceId: string): boolean {
    return this.live.has(deviceId);
  }

  /** The session of a phone (tests, benchmarks). */
  sessionOf(deviceId: string): PhoneSession | undefined {
    return this.live.get(deviceId)?.session;
  }

  /** The preview hub's `connect` for a phone: a multipart JPEG stream of its livestream. */
  async connect(deviceId: string, signal: AbortSignal): Promise<IncomingMessage> {
    if (this.o.mode === 'off') throw new RigmapError('forbidden', `phone previews are off on this rigmap (--phone-preview off): ${deviceId} is not asked to livestream`);
    let entry = this.live.get(deviceId);
    if (!entry) {
      // A phone that just refused (streaming elsewhere, unsupported format) is not asked again at once:
      // tiles poll every few seconds, and each ask would change and restore its destination.
      const last = this.last.get(deviceId);
      if (last?.error && this.o.clock.now() - last.at < REFUSAL_COOLDOWN_MS) throw last.error;
      entry = await this.open(deviceId);
    }
    try {
      await entry.session.ready;
    } catch (err) {
      const last = this.last.get(deviceId);
      if (last) last.error = err as Error;
      throw err;
    }
    const out = new PassThrough();
    Object.assign(out, { statusCode: 200, headers: { 'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}` } });
    entry.outputs.add(out);
    entry.session.attach();
    const mine = entry;
    out.once('close', () => {
      if (mine.outputs.delete(out)) mine.session.detach();
    });
    if (signal.aborted) out.destroy();
    // The hub reads it as it reads a node's answer (status, headers, data, close).
    return out as unknown as IncomingMessage;
  }

  view(deviceId: string): PhonePreviewView {
    const e = this.live.get(deviceId);
    const last = this.last.get(deviceId);
    return {
      deviceId, mode: this.o.mode, state: e?.session.state ?? last?.state ?? 'idle', message: e?.session.message ?? last?.message ?? null,
      health: e?.session.health ?? null, outputs: e?.outputs.size ?? 0, cost: PHONE_PREVIEW_COST,
    };
  }

  /** A short note for a tile (a stream warning, "streaming elsewhere"), or null. */
  note(deviceId: string): string | null {
    const v = this.view(deviceId);
    return v.health?.warning ?? (v.state === 'stopped' || v.state === 'failed' ? v.message : null);
  }

  /** Stop every preview and undo every phone's destination (server shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((e) => e.session.stop(null)));
  }

  private async open(deviceId: string): Promise<Entry> {
    const check = await checkFfmpeg(this.o.ffmpeg);
    if (!check.ok) throw new RigmapError('unavailable', check.problem);
    const ctx = this.o.ctx();
    const device = getDevice({ ctx, id: deviceId });
    const service = device.services.find(isBlackmagicService);
    if (!service) throw new RigmapError('not_found', `${deviceId} is not a phone running Blackmagic Camera, so rigmap cannot ask it to livestream`);
    const paths = withoutSelfPaths(orderPaths({ device, service, scope: this.o.scope, health: this.o.health?.(deviceId) ?? null, trust: trustOf(ctx) }), this.o.self?.())
      .filter((p) => p.state !== 'untrusted');
    if (!paths.length) throw new RigmapError('forbidden', `no usable address of ${deviceId} is inside the probe scope (${this.o.scope.text})`);
    // Another request may have opened it while we checked.
    const again = this.live.get(deviceId);
    if (again) return again;
    const path = paths[0]!;
    const listenAddress = this.o.listenAddress || (await localAddressToward(path.address));
    const port = await freeUdpPort(listenAddress);
    const entry: Entry = { outputs: new Set(), session: undefined as unknown as PhoneSession };
    entry.session = new PhoneSession({
      deviceId, api: new LivestreamApi(path), ffmpeg: this.o.ffmpeg, listenAddress, port, clock: this.o.clock, timing: this.timing, log: this.o.log,
      onFrame: (jpeg) => {
        const part = encodePart(BOUNDARY, jpeg);
        for (const out of entry.outputs) if (out.writableLength < MAX_OUTPUT_BUFFER) out.write(part);
      },
      onEnd: (why) => {
        if (this.live.get(deviceId) === entry) this.live.delete(deviceId);
        this.last.set(deviceId, { state: entry.session?.state ?? 'stopped', message: why, at: this.o.clock.now() });
        for (const out of entry.outputs) out.end();
      },
    });
    this.live.set(deviceId, entry);
    this.last.delete(deviceId);
    entry.session.ready.catch(() => {});
    return entry;
  }
}

/** The local address the system would use to reach `remote` (a UDP "connect" sends nothing). */
function localAddressToward(remote: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket(remote.includes(':') ? 'udp6' : 'udp4');
    s.once('error', (err) => {
      s.close();
      reject(new RigmapError('upstream_failed', `rigmap has no route to ${remote}: ${err.message}`));
    });
    s.connect(9, remote, () => {
      const { address } = s.address();
      s.close();
      resolve(address);
    });
  });
}
