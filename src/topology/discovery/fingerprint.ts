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

/** The contract's API base path, used when an advertised one is unusable. */
export const DEFAULT_API_PATH = '/api/v1';

// A plain absolute path only: no '@', ':', '?', '#', '%' or '//' trick can move the host.
const API_PATH_RE = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * `path` if it is a plain absolute URL path, else the contract's `/api/v1`.
 * Advertised paths (Bonjour TXT) come from anyone on the network: one like
 * `@attacker.example/x` would otherwise turn `http://ip:port` + path into a
 * request to another host.
 */
export function safeApiPath(path: string | null | undefined): string {
  return typeof path === 'string' && API_PATH_RE.test(path) && !path.startsWith('//') ? path : DEFAULT_API_PATH;
}

/**
 * `<path>/info` on the node at ip:port, or null when the resulting URL would
 * leave that origin (a second line of defence behind {@link safeApiPath}).
 */
export function nodeInfoUrl({ ip, port, apiPath }: { ip: string; port: number; apiPath: string }): URL | null {
  const base = baseUrl(ip, port);
  let url: URL;
  try {
    url = new URL(`${apiPath.replace(/\/+$/, '')}/info`, base);
  } catch {
    return null;
  }
  return url.origin === new URL(base).origin ? url : null;
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
    // Real time on purpose: this bounds a real TCP connect (a fake clock would leave a hung peer hanging).
    const timer = setTimeout(() => finish(false), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * The node's `/info` answer, or null when nothing answers, the answer is not
 * JSON, it is not a camera-node info document, or the path would lead off
 * the node's ip:port.
 */
export async function fetchNodeInfo({
  ip,
  port,
  apiPath = DEFAULT_API_PATH,
  timeoutMs = 1500,
  signal,
}: {
  ip: string;
  port: number;
  apiPath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<NodeInfo | null> {
  const url = nodeInfoUrl({ ip, port, apiPath });
  if (!url) return null;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    // Anyone on the LAN can announce an address (Bonjour): a redirect would take this
    // request out of the probe scope, and the answer is read only up to a small cap.
    const res = await fetch(url, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return null;
    }
    const text = await readCapped(res, MAX_INFO_BYTES);
    if (text === null) return null;
    const parsed = nodeInfoSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    // A node does not get to say which certificate is its own: only rigmap's own TLS read sets that (accept pins it).
    const { certSha256: _claimed, ...info } = parsed.data;
    return info;
  } catch {
    return null;
  }
}

/** The largest /info answer read; the contract's document is a few hundred bytes. */
export const MAX_INFO_BYTES = 64 * 1024;

/** The body as text, or null (and the body cancelled) once it passes `maxBytes`. */
async function readCapped(res: Response, maxBytes: number): Promise<string | null> {
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes || !res.body) {
    await res.body?.cancel();
    return res.body ? null : '';
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
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
