/**
 * The simulator's control API on 127.0.0.1: list nodes, inject and clear
 * faults, fetch the manifest. Documented in docs/camera-node-contract.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { RigmapError } from '../topology/errors.ts';
import type { SimFault, SimRig } from './types.ts';

const STATUS: Record<string, number> = { validation_failed: 400, bad_json: 400, not_found: 404, payload_too_large: 413 };

/** A running control server. */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/** Serve the control API for `rig` on 127.0.0.1:`port` (0 picks a free one). */
export function startControlServer({ rig, port }: { rig: Pick<SimRig, 'describe' | 'applyFault' | 'manifest' | 'setLook'>; port: number }): Promise<ControlServer> {
  const server = createServer((req, res) => {
    readJson(req)
      .then((body) => handle(rig, req, body))
      .then((out) => send(res, out.status, out.body))
      .catch((err: unknown) => {
        const e = err instanceof RigmapError ? err : new RigmapError('internal', (err as Error).message);
        send(res, STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new RigmapError('conflict', `cannot start the simulator control API on 127.0.0.1:${port}: ${err.code === 'EADDRINUSE' ? 'port in use; try --control-port 0' : err.message}`)),
    );
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function handle(rig: Pick<SimRig, 'describe' | 'applyFault' | 'manifest' | 'setLook'>, req: IncomingMessage, body: unknown): Promise<{ status: number; body: unknown }> {
  const url = new URL(req.url ?? '/', 'http://control');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  const findNode = (id: string) => {
    const node = rig.describe().find((n) => n.id === id);
    if (!node) throw new RigmapError('not_found', `no simulated node "${id}"`, { nodeId: id });
    return node;
  };
  if (method === 'GET' && parts.length === 0) {
    return {
      status: 200,
      body: {
        endpoints: ['GET /nodes', 'GET /nodes/:id', 'POST /nodes/:id/fault {"mode":"down"|"hang"|"garbage"|"slow"|"lan-down"|"tailscale-down"|"ok","path"?,"ms"?}',
          'POST /nodes/:id/fault {"mode":"clock-skew","ms"} | {"mode":"record-stop","state"?,"reason"?} | {"mode":"storage","freeBytes"}', 'POST /faults/reset', 'GET /manifest[?rigName=]',
          'POST /nodes/:id/look {"format"?,"iso"?,"shutterSpeed"?,"whiteBalance"?,"whiteBalanceTint"?,"autoExposure"?,"focusMode"?,"codec"?,"lacks"?:[...],"restart"?:true}'],
      },
    };
  }
  if (method === 'GET' && parts.length === 1 && parts[0] === 'nodes') return { status: 200, body: { nodes: rig.describe() } };
  if (method === 'GET' && parts.length === 2 && parts[0] === 'nodes') return { status: 200, body: { node: findNode(decodeURIComponent(parts[1]!)) } };
  if (method === 'POST' && parts.length === 3 && parts[0] === 'nodes' && parts[2] === 'fault') {
    const id = decodeURIComponent(parts[1]!);
    await rig.applyFault(id, body as SimFault);
    return { status: 200, body: { node: findNode(id) } };
  }
  if (method === 'POST' && parts.length === 3 && parts[0] === 'nodes' && parts[2] === 'look') {
    // What a crew member does on the camera itself: another frame rate, auto exposure on, an app restart.
    const id = decodeURIComponent(parts[1]!);
    findNode(id);
    rig.setLook(id, body);
    return { status: 200, body: { node: findNode(id) } };
  }
  if (method === 'POST' && parts.join('/') === 'faults/reset') {
    await Promise.all(rig.describe().map((n) => rig.applyFault(n.id, { mode: 'ok' })));
    return { status: 200, body: { nodes: rig.describe() } };
  }
  if (method === 'GET' && parts.join('/') === 'manifest') {
    return { status: 200, body: rig.manifest({ rigName: url.searchParams.get('rigName') ?? undefined }) };
  }
  throw new RigmapError('not_found', `no such control endpoint: ${method} ${url.pathname} (GET / lists them)`);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      if (size > 64 * 1024) return reject(new RigmapError('payload_too_large', 'control bodies are limited to 64 KiB'));
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new RigmapError('bad_json', 'the body is not valid JSON (e.g. {"mode":"down"})'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
