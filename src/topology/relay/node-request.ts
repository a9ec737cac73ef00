/**
 * One HTTP request to a node over one path, with node:http so that rigmap
 * controls everything: a connect timeout, no redirect following (node:http
 * never follows), and whether the failure happened before the request could
 * have reached the node (then another path may be tried safely).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { NodePath } from './paths.ts';

/** A failed node request; `beforeSend` means the node cannot have seen it. */
export class NodeRequestError extends Error {
  constructor(message: string, readonly beforeSend: boolean, readonly timedOut = false) {
    super(message);
  }
}

/**
 * Send `method pathAndQuery` to `path`. Resolves with the response head (the
 * body is left to the caller to stream or read); rejects with NodeRequestError.
 */
export function openNodeRequest({ path, method, pathAndQuery, headers = {}, body, connectTimeoutMs = 3000, signal }: {
  path: NodePath;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  pathAndQuery: string;
  headers?: Record<string, string>;
  body?: string;
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const where = `${path.address}:${path.port}`;
    let connected = false;
    if (path.https && !path.tlsAgent) {
      // Every https peer is held to its pinned certificate (src/topology/trust/): no path without the trust agent.
      return reject(new NodeRequestError(`https to ${where} needs rigmap's certificate trust (internal: no trust agent given)`, true));
    }
    const lib = path.https ? https : http;
    const req = lib.request({
      host: path.address, port: path.port, method, path: pathAndQuery, signal, agent: path.https ? path.tlsAgent : false,
      headers: { ...headers, host: path.address.includes(':') ? `[${path.address}]:${path.port}` : `${path.address}:${path.port}`, connection: 'close', ...(body !== undefined ? { 'content-type': headers['content-type'] ?? 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) },
    });
    // Real time on purpose: it bounds a real TCP connect (a fake clock would leave a hung peer hanging).
    const connectTimer = setTimeout(() => req.destroy(new NodeRequestError(`connect to ${where} timed out after ${connectTimeoutMs} ms`, true, true)), connectTimeoutMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      });
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (err instanceof NodeRequestError) return reject(err);
      // The peer showed another certificate than its pin: nothing was sent (the agent holds the socket back).
      if ((err as { code?: string }).code === 'CERTIFICATE_CHANGED') return reject(new NodeRequestError(err.message, false));
      if (err.name === 'AbortError') return reject(new NodeRequestError(`no answer from ${where} in time`, !connected, true));
      const what = err.code === 'ECONNREFUSED' ? `connect ECONNREFUSED ${where}` : `${err.code ?? 'error'} ${err.message}`;
      reject(new NodeRequestError(what, !connected));
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Read a whole response body, refusing more than `maxBytes`. */
export function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Said first: destroying the answer emits 'aborted', which would otherwise name the wrong cause.
        reject(new NodeRequestError(`answer larger than ${maxBytes} bytes`, false));
        res.destroy();
      } else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (err) => reject(new NodeRequestError(err.message, false)));
    res.on('aborted', () => reject(new NodeRequestError('the node closed the connection mid-answer', false)));
  });
}
