/**
 * Issue 25 item 5: a Blackmagic camera whose event WebSocket accepts and breaks
 * at once must not cause a reconnect storm. The back-off is reset only after a
 * socket stayed healthy; a flapping socket is reported once (one transition),
 * then left to the polls. A fake WebSocket server on 127.56.5.0/24; the
 * runner's reconnects and pings run on a fake clock, moved in 100 ms steps.
 */
import http, { type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlackmagicRunner } from '../../src/topology/cameras/blackmagic/runner.ts';
import type { ProbeFailure } from '../../src/topology/probes/path-machine.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const HOST = '127.56.5.20';
const HEALTHY_MS = 5000;
let server: Server;
let wss: WebSocketServer;
let port = 0;
let mode: 'flap' | 'hold' = 'flap';
let connections = 0;
const held: ServerSocket[] = [];

beforeAll(async () => {
  // Polls get a 404 (they report as polls, not as the stream); the WebSocket path is upgraded.
  server = http.createServer((_req, res) => res.writeHead(404).end());
  wss = new WebSocketServer({ server, path: '/control/api/v1/event/websocket' });
  wss.on('connection', (socket) => {
    connections++;
    if (mode === 'flap') socket.terminate();
    else held.push(socket);
  });
  port = await new Promise<number>((resolve) => server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)));
});

afterAll(async () => {
  for (const s of wss.clients) s.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('Blackmagic event WebSocket that flaps', () => {
  it('reconnects with a growing back-off and reports one break, not hundreds; a healthy socket resets it', async () => {
    const clock = new FakeClock();
    const streamFails: ProbeFailure[] = [];
    const agents = { poll: new http.Agent(), stream: new http.Agent(), tlsPoll: new https.Agent(), tlsStream: new https.Agent() };
    const runner = new BlackmagicRunner({
      target: { key: 'k', deviceId: 'bm', network: 'lan', address: HOST, service: 'blackmagic', port, kind: 'blackmagic', path: '/control/api/v1', https: false, intervalMs: 60_000, inScope: true },
      sink: { ok: () => undefined, fail: (f) => { if (f.source === 'stream') streamFails.push(f); }, status: () => undefined, heartbeat: () => undefined },
      limit: pLimit(2), pollAgent: agents.poll, streamAgent: agents.stream, tlsPollAgent: agents.tlsPoll, tlsStreamAgent: agents.tlsStream,
      timeoutMs: 2000, heartbeatFactor: 1000,
    }, { clock, healthyMs: HEALTHY_MS });
    const ws = () => (runner as unknown as { ws: WebSocket | null }).ws;
    /** Move the runner's clock on by `ms` in 100 ms steps, letting each socket it opens finish opening (and breaking). */
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        clock.advance(100);
        await eventually('the socket settled', () => {
          const s = ws();
          return !s || s.readyState === s.CLOSED || (mode === 'hold' && s.readyState === s.OPEN && held.length > 0);
        }, 10_000, 2);
      }
    };
    try {
      runner.start(0);
      await run(20_000);
      // 20 s of a camera that drops every socket at once: the issue saw 55-79 reconnects and 109-159 transitions.
      expect(connections).toBeGreaterThanOrEqual(3);
      expect(connections).toBeLessThanOrEqual(10);
      expect(streamFails.length).toBe(1);
      // The camera now holds its socket: it stays open past HEALTHY_MS, then breaks once.
      mode = 'hold';
      await run(35_000);
      expect(held.length).toBe(1);
      await run(HEALTHY_MS + 1000);
      const before = connections;
      held[0]!.terminate();
      await eventually('the runner saw the break', () => ws()?.readyState === ws()?.CLOSED);
      expect(streamFails.length).toBe(2);
      // Healthy before it broke: the back-off was reset, so the next try comes within a few hundred ms.
      await run(300);
      expect(connections).toBe(before + 1);
    } finally {
      runner.stop();
      for (const a of Object.values(agents)) a.destroy();
    }
  }, 120_000);
});
