/**
 * A saved `tailscale status --json` (or, for convenience, a saved API v2 device
 * list) as tailnet nodes. Anything else is refused with a message that says how
 * to make the right file.
 */
import { RigmapError } from '../errors.ts';
import { nodeFromApiDevice, nodesFromStatus, type TailnetNode } from './mapping.ts';
import { apiDeviceListSchema, type LocalStatus, localStatusSchema } from './schemas.ts';

const HOW = 'Fix: save it with `tailscale status --json > status.json` on a machine of the tailnet';

/** Parse a status file's text into nodes (and the status, for path quality). */
export function parseStatusFile(text: string, name = 'the status file'): { nodes: TailnetNode[]; status: LocalStatus | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RigmapError('unsupported_format', `${name} is not JSON (${(err as Error).message}). ${HOW}`);
  }
  return parseStatusJson(json, name);
}

/** The same, from already-decoded JSON (the REST body carries it decoded). */
export function parseStatusJson(json: unknown, name = 'the status file'): { nodes: TailnetNode[]; status: LocalStatus | null } {
  const obj = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  if (obj && ('Self' in obj || 'Peer' in obj)) {
    const parsed = localStatusSchema.safeParse(obj);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RigmapError('unsupported_format', `${name} looks like \`tailscale status --json\` but ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'does not parse'}. ${HOW}`, { issues: parsed.error.issues.slice(0, 5) });
    }
    return { nodes: nodesFromStatus(parsed.data), status: parsed.data };
  }
  if (obj && Array.isArray(obj.devices)) {
    const parsed = apiDeviceListSchema.safeParse(obj);
    if (!parsed.success) {
      throw new RigmapError('unsupported_format', `${name} looks like a Tailscale API device list but a device lacks nodeId or hostname. ${HOW}`, { issues: parsed.error.issues.slice(0, 5) });
    }
    return { nodes: parsed.data.devices.map(nodeFromApiDevice), status: null };
  }
  throw new RigmapError('unsupported_format', `${name} is not a Tailscale status: it has neither "Self"/"Peer" (tailscale status --json) nor "devices" (API device list). ${HOW}`);
}
