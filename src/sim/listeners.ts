/**
 * One light http.Server per simulated address. `down` closes the listener (so
 * connections are refused) and `ok` opens it again on the same address and port.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { RigmapError } from '../topology/errors.ts';
import type { SimPath } from './types.ts';

/** One address of one device. */
export interface AddressListener {
  deviceId: string;
  path: SimPath;
  ip: string;
  handler: RequestListener;
  /** WebSocket upgrades (the Blackmagic event WebSocket), when the device has any. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  server: Server | null;
  /** Serve HTTPS with this key and certificate (a simulated iPhone running Blackmagic Camera). */
  tls?: { key: string; cert: string };
}

/** Every socket a listener accepted and that is still open (see openListener). */
const acceptedSockets = new WeakMap<Server, Set<Duplex>>();

/** Listen on `l.ip:port`; resolves with the port actually bound. */
export function openListener(l: AddressListener, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // A phone speaks HTTPS only: plain HTTP to its port gets an empty reply (the TLS server drops it).
    const server: Server = l.tls ? (createTlsServer({ key: l.tls.key, cert: l.tls.cert, keepAliveTimeout: 0 }, l.handler) as unknown as Server) : createServer({ keepAliveTimeout: 5000 }, l.handler);
    if (l.upgrade) server.on('upgrade', l.upgrade);
    else server.on('upgrade', (_req, socket) => socket.destroy());
    // closeAllConnections knows only HTTP connections: a TLS socket still in its
    // handshake would hold close() open, so every accepted socket is tracked.
    const sockets = new Set<Duplex>();
    server.on('connection', (socket: Duplex) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    acceptedSockets.set(server, sockets);
    const onError = (err: NodeJS.ErrnoException) => {
      server.close();
      reject(err);
    };
    server.once('error', onError);
    server.listen({ host: l.ip, port, exclusive: true }, () => {
      server.off('error', onError);
      // After start-up an error (rare on loopback) must not crash the process.
      server.on('error', () => {});
      l.server = server;
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Stop listening and cut every connection: new connections are refused at once. */
export function closeListener(l: AddressListener): Promise<void> {
  const server = l.server;
  l.server = null;
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
    for (const socket of acceptedSockets.get(server) ?? []) socket.destroy();
  });
}

/**
 * Bind every address on one shared port. With port 0 the first address picks a
 * free port and the others follow; if one of them has it taken, start over.
 */
export async function bindAll(listeners: AddressListener[], port: number): Promise<number> {
  const [first, ...rest] = listeners;
  if (!first) return port;
  for (let attempt = 0; attempt < 40; attempt++) {
    const chosen = await openListener(first, port).catch((err: NodeJS.ErrnoException) => {
      throw listenError(err, first.ip, port);
    });
    const results = await Promise.allSettled(rest.map((l) => openListener(l, chosen)));
    const failedAt = results.findIndex((r) => r.status === 'rejected');
    if (failedAt === -1) return chosen;
    const err = (results[failedAt] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    await Promise.all(listeners.map(closeListener));
    if (port !== 0 || err.code !== 'EADDRINUSE') throw listenError(err, rest[failedAt]!.ip, chosen);
  }
  throw new RigmapError('conflict', 'could not find one free port on every simulated address after 40 tries; pass --port');
}

function listenError(err: NodeJS.ErrnoException, ip: string, port: number): RigmapError {
  if (err.code === 'EADDRINUSE') return new RigmapError('conflict', `port ${port} on ${ip} is already in use (another simulator?); try --port 0 or another port`, { ip, port });
  if (err.code === 'EADDRNOTAVAIL') {
    return new RigmapError('validation_failed', `cannot listen on ${ip}: no such address on this machine (simulated addresses must be in 127.0.0.0/8)`, { ip });
  }
  if (err.code === 'EACCES') return new RigmapError('forbidden', `not allowed to listen on ${ip}:${port} (ports below 1024 need privileges)`, { ip, port });
  return new RigmapError('internal', `cannot listen on ${ip}:${port}: ${err.message}`, { ip, port });
}
