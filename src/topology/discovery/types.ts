/**
 * Types shared by the discovery paths (Bonjour, mDNS hostname prober, subnet
 * scan) and the Discovered inbox.
 */
import { z } from 'zod';
import type { DeviceInput } from '../model.ts';

/** The path that found a node. */
export type DiscoverySource = 'bonjour' | 'mdns' | 'scan';

/** Where a discovered node stands in the inbox. */
export type DiscoveredStatus = 'new' | 'matched' | 'accepted' | 'ignored';
export const DISCOVERED_STATUSES = ['new', 'matched', 'accepted', 'ignored'] as const;

/** A camera node's `GET /api/v1/info` answer (contract v1); extra fields are kept. */
export const nodeInfoSchema = z.looseObject({
  id: z.string().min(1).max(200),
  name: z.string().max(200).optional(),
  role: z.string().max(60).optional(),
  model: z.string().max(200).optional(),
  os: z.string().max(200).optional(),
  appVersion: z.string().max(200).optional(),
  api: z.number(),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

/** One sighting of a node, as a discovery path reports it to the inbox. */
export interface Finding {
  source: DiscoverySource;
  ip: string | null;
  hostname: string | null;
  port: number;
  /** The contract's base path, `/api/v1` unless Bonjour's TXT `path` says otherwise. */
  apiPath?: string;
  /** The node's /api/v1/info answer, or null when it did not answer. */
  info: NodeInfo | null;
  /** What the advertisement said when there is no info (Bonjour TXT `id`, instance name). */
  advertisedId?: string | null;
  advertisedName?: string | null;
  advertisedRole?: string | null;
}

/** A row of the Discovered inbox as the API returns it. */
export interface Discovered {
  id: number;
  source: DiscoverySource;
  status: DiscoveredStatus;
  nodeId: string | null;
  name: string | null;
  ip: string | null;
  hostname: string | null;
  port: number;
  apiPath: string;
  info: NodeInfo | null;
  /** The known device it was matched to (or created as), and how. */
  matchedDeviceId: string | null;
  matchedBy: 'node-id' | 'address' | 'hostname' | null;
  firstSeen: string;
  lastSeen: string;
  /** When Bonjour saw it stop advertising; null while it advertises. */
  goneAt: string | null;
  /** The device `accept` would create (id, name, role, addresses, services prefilled). */
  suggestion: DeviceInput & { id: string };
}

/** What `device.discovered` says: the inbox row and what happened to it. */
export interface DeviceDiscoveredEvent {
  discovered: Discovered;
  /** found: first seen or back after going; updated: address/info changed; gone: stopped advertising. */
  change: 'found' | 'updated' | 'gone';
}
