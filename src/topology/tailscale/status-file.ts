/**
 * A saved `tailscale status --json` (or, for convenience, a saved API v2 device
 * list) as tailnet nodes. Anything else is refused with a message that says how
 * to make the right file.
 */
import { RigmapError } from '../errors.ts';
import type { TailnetNode } from './mapping.ts';
import { apiDeviceListSchema, type LocalStatus } from './schemas.ts';
import { nodesOfStatus, readApiDevices, readLocalStatus, type SkippedNode } from './tolerant.ts';

/** Nodes read from a status or device list, the status (for path quality) and what was skipped. */
export interface ParsedTailnet {
  nodes: TailnetNode[];
  status: LocalStatus | null;
  skipped: SkippedNode[];
}

const HOW = 'Fix: save it with `tailscale status --json > status.json` on a machine of the tailnet';

/** Parse a status file's text into nodes (and the status, for path quality). */
export function parseStatusFile(text: string, name = 'the status file'): ParsedTailnet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RigmapError('unsupported_format', `${name} is not JSON (${(err as Error).message}). ${HOW}`);
  }
  return parseStatusJson(json, name);
}

/**
 * The same, from already-decoded JSON (the REST body carries it decoded). Read
 * tolerantly: a peer or device that cannot be mapped is skipped with a reason;
 * only a document that is neither shape is refused.
 */
export function parseStatusJson(json: unknown, name = 'the status file'): ParsedTailnet {
  const obj = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  if (obj && ('Self' in obj || 'Peer' in obj)) {
    const read = readLocalStatus(obj);
    if (!read) throw new RigmapError('unsupported_format', `${name} looks like \`tailscale status --json\` but its "Peer" is not an object of peers. ${HOW}`);
    return { nodes: nodesOfStatus(read.status), status: read.status, skipped: read.skipped };
  }
  if (obj && Array.isArray(obj.devices)) {
    const parsed = apiDeviceListSchema.parse(obj);
    return { ...readApiDevices(parsed.devices), status: null };
  }
  throw new RigmapError('unsupported_format', `${name} is not a Tailscale status: it has neither "Self"/"Peer" (tailscale status --json) nor "devices" (API device list). ${HOW}`);
}
