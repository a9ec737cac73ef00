/**
 * Issue 25 item 8: reach-relay streams are capped in total and per caller.
 * Stalled viewers (they read the head, then nothing) of an endless node answer
 * get 503 beyond either cap, and never open more node connections than the
 * cap; a slot is free again once its viewer leaves. Addresses 127.56.8.0/24
 * (rigmap .250, node .200, callers .10-.19).
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { eventually } from '../helpers/eventually.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const HOST = '127.56.8.250';
const NODE_IP = '127.56.8.200';
let t: TestRig;
let server: ServerType;
let node: Server;
let port = 0;
const nodeSeen = { opened: 0, open: 0 };

beforeAll(async () => {
  // An endless MJPEG-like answer: 64 KiB every 50 ms for whoever asks.
  node = createServer((_req, res) => {
    nodeSeen.opened++;
    nodeSeen.open++;
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=x' });
    const chunk = Buffer.alloc(64 * 1024, 1);
    const timer = setInterval(() => res.write(chunk), 50);
    res.on('close', () => {
      clearInterval(timer);
      nodeSeen.open--;
    });
  });
  const nodePort = await new Promise<number>((resolve) => node.listen(0, NODE_IP, () => resolve((node.address() as AddressInfo).port)));
  t = makeTestRig();
  createDevice({ ctx: t.ctx, input: { id: 'cam', role: 'camera', addresses: [{ network: 'lan', ip: NODE_IP }], services: [{ name: 'camera-node', protocol: 'http', port: nodePort, path: '/api/v1' }] } });
  const config = loadConfig({ db: t.store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', relayMaxStreams: 5, relayMaxStreamsPerCaller: 2 }, {});
  const app = buildApp({ db: t.store.db, bus: t.bus, config });
  port = await new Promise<number>((resolve) => { server = serve({ fetch: app.fetch, hostname: HOST, port: 0 }, (info) => resolve(info.port)); });
}, 30_000);

afterAll(async () => {
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  node?.closeAllConnections();
  node?.close();
  t?.close();
});

/** A viewer from `from` that reads the answer's first bytes, then nothing. */
async function stalledViewer(from: string): Promise<{ status: number; socket: Socket }> {
  const socket = connect({ host: HOST, port, localAddress: from });
  await new Promise((resolve) => socket.once('connect', resolve));
  const head = await new Promise<string>((resolve) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1'));
    });
    socket.write(`GET /reach/cam/camera-node/preview.mjpeg HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`);
  });
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), socket };
}

describe('reach relay stream caps', () => {
  it('refuses with 503 past the per-caller and the total cap, and frees a slot when its viewer leaves', async () => {
    const viewers: Socket[] = [];
    try {
      const mine = [await stalledViewer('127.56.8.10'), await stalledViewer('127.56.8.10'), await stalledViewer('127.56.8.10')];
      viewers.push(...mine.map((v) => v.socket));
      expect(mine.map((v) => v.status)).toEqual([200, 200, 503]);
      const others = [];
      for (const from of ['127.56.8.11', '127.56.8.12', '127.56.8.13', '127.56.8.14', '127.56.8.15']) others.push(await stalledViewer(from));
      viewers.push(...others.map((v) => v.socket));
      // 2 + 3 = the total cap of 5: the rest are refused, and the node never saw more than 5 connections.
      expect(others.map((v) => v.status)).toEqual([200, 200, 200, 503, 503]);
      expect(nodeSeen.opened).toBe(5);
      expect(nodeSeen.open).toBeLessThanOrEqual(5);
      mine[0]!.socket.destroy();
      await eventually('the node connection of the viewer who left closed', () => nodeSeen.open === 4);
      const next = await stalledViewer('127.56.8.16');
      viewers.push(next.socket);
      expect(next.status).toBe(200);
    } finally {
      for (const v of viewers) v.destroy();
    }
    await eventually('every node connection closed', () => nodeSeen.open === 0);
  }, 30_000);
});
