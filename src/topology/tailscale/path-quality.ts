/**
 * Path quality: how this machine reaches each peer right now, from the Local
 * API's peer status, in the words of `tailscale status`: direct (CurAddr set),
 * through a peer relay (PeerRelay), through a DERP relay (Relay), idle (no
 * recent traffic) or offline. Kept as an in-memory snapshot by device id.
 */
import { isNotNull } from 'drizzle-orm';
import type { DbLike } from '../store/db.ts';
import { devices } from '../store/schema.ts';
import type { LocalStatus, PeerStatus } from './schemas.ts';

export type PathQuality = 'direct' | 'derp' | 'peer-relay' | 'idle' | 'offline';

/** One peer's path as last seen by the Local API. */
export interface TailscalePath {
  nodeId: string;
  quality: PathQuality;
  /** The `ip:port` talked to directly (direct only). */
  curAddr: string | null;
  /** DERP region code (home relay; the path when quality is derp). */
  relay: string | null;
  peerRelay: string | null;
  lastWrite: string | null;
  rxBytes: number;
  txBytes: number;
  /** Why, in a crew member's words: `direct 192.168.1.5:41641`, `relay "waw"`. */
  summary: string;
}

const zeroToNull = (t: string | null | undefined) => (!t || t.startsWith('0001-01-01') ? null : t);

/**
 * Classify one peer the way `tailscale status` does: offline when not online;
 * idle when no traffic is flowing; otherwise direct, peer relay or DERP.
 */
export function classifyPeer(peer: PeerStatus): TailscalePath {
  const curAddr = peer.CurAddr || null;
  const relay = peer.Relay || null;
  const peerRelay = peer.PeerRelay || null;
  let quality: PathQuality;
  let summary: string;
  if (peer.Online === false) {
    quality = 'offline';
    summary = 'offline';
  } else if (!peer.Active) {
    quality = 'idle';
    summary = curAddr ? `idle (last direct ${curAddr})` : 'idle';
  } else if (curAddr) {
    quality = 'direct';
    summary = `direct ${curAddr}`;
  } else if (peerRelay) {
    quality = 'peer-relay';
    summary = `peer-relay ${peerRelay}`;
  } else {
    quality = 'derp';
    summary = relay ? `relay "${relay}"` : 'relay';
  }
  return {
    nodeId: peer.ID,
    quality,
    curAddr,
    relay,
    peerRelay,
    lastWrite: zeroToNull(peer.LastWrite),
    rxBytes: peer.RxBytes ?? 0,
    txBytes: peer.TxBytes ?? 0,
    summary,
  };
}

/** The latest path of every peer, by device id; refreshed from the Local API. */
export class PathQualitySnapshot {
  private byDevice = new Map<string, TailscalePath>();
  private byNode = new Map<string, TailscalePath>();
  /** When the snapshot was last refreshed (ISO), or null. */
  updatedAt: string | null = null;

  /** Replace the snapshot from a status, mapping node ids to devices in the map. */
  update({ db, status }: { db: DbLike; status: LocalStatus }): void {
    const ids = new Map(
      db.select({ id: devices.id, nodeId: devices.tailscaleNodeId }).from(devices).where(isNotNull(devices.tailscaleNodeId)).all()
        .map((r) => [r.nodeId as string, r.id]),
    );
    const byNode = new Map<string, TailscalePath>();
    const byDevice = new Map<string, TailscalePath>();
    for (const peer of Object.values(status.Peer ?? {})) {
      const path = classifyPeer(peer);
      byNode.set(path.nodeId, path);
      const deviceId = ids.get(path.nodeId);
      if (deviceId) byDevice.set(deviceId, path);
    }
    this.byNode = byNode;
    this.byDevice = byDevice;
    this.updatedAt = new Date().toISOString();
  }

  /** The Tailscale path to a device, or null when unknown (not a peer, or never refreshed). */
  get(deviceId: string): TailscalePath | null {
    return this.byDevice.get(deviceId) ?? null;
  }

  /** The path to a node by Tailscale node id. */
  getByNode(nodeId: string): TailscalePath | null {
    return this.byNode.get(nodeId) ?? null;
  }

  /** Every known path, by device id. */
  all(): Array<{ deviceId: string } & TailscalePath> {
    return [...this.byDevice.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([deviceId, p]) => ({ deviceId, ...p }));
  }
}
