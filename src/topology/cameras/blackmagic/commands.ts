/**
 * Group control on a Blackmagic camera: the camera-node contract's commands
 * translated to the Camera Control REST API (TransportControl, CameraControl).
 * What the API cannot do is refused with words a crew member reads, without
 * contacting the camera.
 */
import { openNodeRequest, readBody } from '../../relay/node-request.ts';
import { BLACKMAGIC_PATH } from '../../services.ts';
import type { CameraCommandOutcome, CameraCommandRequest } from '../protocol.ts';

/** How long identify lights the tally lamp (ms). */
export const IDENTIFY_TALLY_MS = 5000;
const MAX_CLIP_NAME = 120;

const refuse = (error: string): CameraCommandOutcome => ({ ok: false, status: null, state: null, error });

/** The contract command's JSON, as group control built it. */
function parseCommand(body: string): { action: string; args: Record<string, unknown> } {
  const v = JSON.parse(body) as { action: string; args?: Record<string, unknown> };
  return { action: v.action, args: v.args ?? {} };
}

/** The REST request a contract command maps to, or the reason it cannot be done on these cameras. */
export function mapCommand(action: string, args: Record<string, unknown>): { method: 'POST' | 'PUT'; endpoint: string; body?: string; state: string | null; note?: string } | { refused: string } {
  switch (action) {
    case 'record.start': {
      const clip = typeof args.clip === 'string' ? args.clip : typeof args.clipName === 'string' ? args.clipName : undefined;
      if (clip !== undefined && (clip.length === 0 || clip.length > MAX_CLIP_NAME || /[\u0000-\u001f/\\]/.test(clip))) {
        return { refused: `clip name must be 1-${MAX_CLIP_NAME} characters without slashes or control characters` };
      }
      // The API tells no time of day (nor takes a start time): a synchronized start begins at once, and says so.
      const note = args.at !== undefined ? 'started at once: Blackmagic cameras do not give their time of day, so the synchronized start time could not be honoured' : undefined;
      return { method: 'POST', endpoint: '/transports/0/record', body: clip !== undefined ? JSON.stringify({ clipName: clip }) : undefined, state: 'recording', note };
    }
    case 'record.stop':
      return { method: 'POST', endpoint: '/transports/0/stop', state: 'idle' };
    case 'identify':
      // The tally lamp is what a crew member can see across the room; it reverts by itself.
      return { method: 'PUT', endpoint: '/camera/tallyStatus', body: JSON.stringify({ status: 'Preview', timeout: IDENTIFY_TALLY_MS }), state: null };
    case 'marker':
      return { refused: 'markers are not supported on Blackmagic cameras (their REST API has no marker command)' };
    default:
      return { refused: `"${action}" is not a command Blackmagic cameras understand` };
  }
}

/** Send one command to one Blackmagic camera over one path. */
export async function sendBlackmagicCommand({ path, body, signal, timeoutMs }: CameraCommandRequest): Promise<CameraCommandOutcome> {
  const { action, args } = parseCommand(body);
  const mapped = mapCommand(action, args);
  if ('refused' in mapped) return refuse(mapped.refused);
  const base = path.basePath || BLACKMAGIC_PATH;
  const res = await openNodeRequest({ path, method: mapped.method, pathAndQuery: `${base}${mapped.endpoint}`, body: mapped.body ?? '', signal, connectTimeoutMs: Math.min(3000, timeoutMs) });
  // The API answers 204 with no body; an error may carry a short message. Never more than 16 KB is read.
  const text = (await readBody(res, 16 * 1024)).toString('utf8').slice(0, 300);
  const status = res.statusCode ?? null;
  if (status !== null && status >= 200 && status < 300) return { ok: true, status, state: mapped.state, error: null, ...(mapped.note ? { note: mapped.note } : {}) };
  if (action === 'identify' && (status === 404 || status === 501)) return { ok: false, status, state: null, error: 'this camera has no tally lamp to identify it with (HTTP ' + status + ')' };
  const said = messageOf(text);
  const what = action === 'record.start' ? 'refused to start recording' : action === 'record.stop' ? 'refused to stop' : 'refused';
  return { ok: false, status, state: null, error: `the camera ${what} (HTTP ${status}${said ? `: ${said}` : ''})` };
}

/** A short error text from the camera's answer, if it gave one. */
function messageOf(text: string): string {
  try {
    const v = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = typeof v?.message === 'string' ? v.message : typeof v?.error === 'string' ? v.error : '';
    return m.replace(/[\u0000-\u001f]/g, ' ').slice(0, 200);
  } catch {
    return '';
  }
}
