/**
 * The camera-node runner's stream timers follow the injected clock: a stream
 * that goes quiet is judged silent when the FakeClock passes the detector's
 * limit (3 × the announced 1 s heartbeat at a cold start), not before, and the
 * reason names the fake silence; the reconnect waits on the fake clock too. The
 * node is a real SSE server on 127.61.3.1 that says hello and then nothing.
 */
import http, { createServer, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraNodeRunner } from '../../src/topology/probes/camera-node.ts';
import type { ProbeFailure } from '../../src/topology/probes/path-machine.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const IP = '127.61.3.1';
const streams: ServerResponse[] = [];
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: hello\ndata: ${JSON.stringify({ heartbeatMs: 1000 })}\n\n`);
      streams.push(res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, IP, resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of streams) s.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Let real I/O callbacks (and the runner's setImmediate judgement) run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('camera-node stream timers on the injected clock', () => {
  it('judges a quiet stream silent at the fake limit, and reconnects on the fake clock', async () => {
    const clock = new FakeClock();
    const oks: string[] = [];
    const fails: ProbeFailure[] = [];
    const agents = { pollAgent: new http.Agent(), streamAgent: new http.Agent(), tlsPollAgent: new https.Agent(), tlsStreamAgent: new https.Agent() };
    const runner = new CameraNodeRunner({
      target: { key: 'cam|camera-node|lan|ip|port', deviceId: 'cam', network: 'lan', address: IP, service: 'camera-node', port, kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 3_600_000, inScope: true },
      sink: { ok: (_ms, reason) => void oks.push(reason), fail: (f) => void fails.push(f), status: () => undefined, heartbeat: () => undefined },
      limit: pLimit(2), ...agents, timeoutMs: 2000, heartbeatFactor: 3, scheduler: clock,
    });
    try {
      runner.start(0);
      clock.advance(0);
      await eventually('the stream open', () => oks.includes('event stream open'), 10_000, 5);
      const quietFrom = clock.now();
      const limit = 3000; // heartbeatFactor × the hello's heartbeatMs: no beat learned yet
      clock.advance(limit - 1);
      await settle();
      expect(fails).toEqual([]);
      clock.advance(1);
      const silent = await eventually('judged silent', () => fails[0], 10_000, 5);
      expect(silent).toMatchObject({ category: 'heartbeat_silent', immediate: true, source: 'stream', reason: 'heartbeat silent for 3.0 s' });
      expect(clock.now() - quietFrom).toBe(limit);
      // The reconnect (100 ms ± 20 %) is on the fake clock as well.
      expect(streams).toHaveLength(1);
      clock.advance(120);
      await eventually('reconnected', () => streams.length === 2, 10_000, 5);
    } finally {
      runner.stop();
      for (const a of Object.values(agents)) a.destroy();
    }
  });
});
