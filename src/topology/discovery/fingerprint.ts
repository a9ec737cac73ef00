/**
 * Fingerprinting: is there a camera node at ip:port? A TCP connect with a short
 * timeout first (cheap, and a silent host costs only the timeout), then
 * `GET <path>/info`, validated against contract v1.
 */
import { connect } from 'node:net';
import { type NodeInfo, nodeInfoSchema } from './types.ts';

/** `http://ip:port` with IPv6 in brackets. */
export function baseUrl(ip: string, port: number): string {
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

/** Does ip:port accept a TCP connection within `timeoutMs`? */
export function isPortOpen({ ip, port, timeoutMs, signal }: { ip: string; port: number; timeoutMs: number; signal?: AbortSignal }): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const socket = connect({ host: ip, port });
    let done = false;
    const finish = (open: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(open);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * The node's `/info` answer, or null when nothing answers, the answer is not
 * JSON, or it is not a camera-node info document.
 */
export async function fetchNodeInfo({
  ip,
  port,
  apiPath = '/api/v1',
  timeoutMs = 1500,
  signal,
}: {
  ip: string;
  port: number;
  apiPath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<NodeInfo | null> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(`${baseUrl(ip, port)}${apiPath.replace(/\/$/, '')}/info`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const parsed = nodeInfoSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Connect, then fetch info: null unless a camera node answers at ip:port. */
export async function fingerprintNode({
  ip,
  port,
  apiPath,
  connectTimeoutMs = 400,
  infoTimeoutMs = 1500,
  signal,
}: {
  ip: string;
  port: number;
  apiPath?: string;
  connectTimeoutMs?: number;
  infoTimeoutMs?: number;
  signal?: AbortSignal;
}): Promise<NodeInfo | null> {
  if (!(await isPortOpen({ ip, port, timeoutMs: connectTimeoutMs, signal }))) return null;
  return fetchNodeInfo({ ip, port, apiPath, timeoutMs: infoTimeoutMs, signal });
}
