/**
 * A hostile camera node on its event stream: an endless SSE line, an event
 * that never ends, and a hello announcing an absurd heartbeat. The probe must
 * not buffer without bound (the path goes down as a garbled stream) nor let
 * the announced interval overflow its timers. Real HTTP server on 127.33.1.1.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraNodeRunner, MAX_SSE_CHARS } from '../../src/topology/probes/camera-node.ts';
import type { ProbeFailure } from '../../src/topology/probes/path-machine.ts';
import type { ProbeTarget } from '../../src/topology/probes/targets.ts';
import { until } from '../helpers/eventually.ts';

const HOST = '127.33.1.1';
const STATUS = { id: 'evil', state: 'idle', battery: { level: 1, charging: false }, thermal: 'nominal', storage: { freeBytes: 1, totalBytes: 2 }, uptimeSec: 1, time: new Date(0).toISOString() };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A node whose /events answer is written by `stream`; counts the bytes it managed to send. */
async function hostileNode(stream: (res: http.ServerResponse) => void): Promise<{ port: number; sent: () => number }> {
  let sent = 0;
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const write = res.write.bind(res);
      res.write = ((chunk: string, ...rest: never[]) => {
        sent += Buffer.byteLength(chunk);
        return write(chunk, ...rest);
      }) as typeof res.write;
      stream(res);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(STATUS));
    }
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  cleanups.push(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { port: (server.address() as AddressInfo).port, sent: () => sent };
}

/** Write `piece` every few ms until `maxBytes` or the client hangs up (bounded either way). */
function pour(res: http.ServerResponse, piece: string, maxBytes: number): void {
  let total = 0;
  const timer = setInterval(() => {
    if (res.destroyed || total >= maxBytes) return clearInterval(timer);
    res.write(piece);
    total += piece.length;
  }, 2);
  res.on('close', () => clearInterval(timer));
}

function startRunner(port: number) {
  const target: ProbeTarget = {
    key: 'evil|camera-node|lan', deviceId: 'evil', network: 'lan', address: HOST, service: 'camera-node', port,
    kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 60_000, inScope: true,
  };
  const failures: ProbeFailure[] = [];
  let beats = 0;
  const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: false }), new https.Agent({ keepAlive: true }), new https.Agent({ keepAlive: false })] as const;
  const runner = new CameraNodeRunner({
    target, limit: pLimit(4), pollAgent: agents[0], streamAgent: agents[1], tlsPollAgent: agents[2], tlsStreamAgent: agents[3], timeoutMs: 3000, heartbeatFactor: 2.5,
    sink: { ok: () => undefined, fail: (f) => failures.push(f), status: () => undefined, heartbeat: () => beats++ },
  });
  runner.start(0);
  cleanups.push(() => {
    runner.stop();
    for (const a of agents) a.destroy();
  });
  return { failures, beats: () => beats };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HELLO = `event: hello\ndata: ${JSON.stringify({ id: 'evil', heartbeatMs: 1000 })}\n\n`;

describe('camera-node probe against a hostile node', () => {
  it('an endless SSE line is a garbled stream (path down), not an ever-growing buffer', async () => {
    const node = await hostileNode((res) => {
      res.write(HELLO);
      res.write('event: status\ndata: ');
      pour(res, 'x'.repeat(16 * 1024), 8 * 1024 * 1024);
    });
    const r = startRunner(node.port);
    await until(() => r.failures.some((f) => f.category === 'bad_answer'), 'the garbled-stream failure');
    const garbled = r.failures.find((f) => f.category === 'bad_answer')!;
    expect(garbled.reason).toBe(`garbled event stream from ${HOST}:${node.port} (a line or event longer than 64 KiB)`);
    expect(garbled.source).toBe('stream');
    // It hung up soon after the cap, far before the 8 MB the node would send.
    expect(node.sent()).toBeLessThan(MAX_SSE_CHARS + 4 * 1024 * 1024);
  });

  it('an event of endless data lines is garbled too', async () => {
    const node = await hostileNode((res) => {
      res.write(HELLO);
      res.write('event: status\n');
      pour(res, `data: ${'y'.repeat(1000)}\n`, 8 * 1024 * 1024);
    });
    const r = startRunner(node.port);
    await until(() => r.failures.some((f) => f.category === 'bad_answer'), 'the garbled-stream failure');
    expect(r.failures.find((f) => f.category === 'bad_answer')!.reason).toMatch(new RegExp(`^garbled .*from ${HOST.replace(/\./g, '\\.')}:${node.port} `));
  });

  it('an announced heartbeatMs of 1e10 is clamped: no TimeoutOverflowWarning, no false silence', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const node = await hostileNode((res) => {
      res.write(`event: hello\ndata: ${JSON.stringify({ id: 'evil', heartbeatMs: 1e10 })}\n\n`);
    });
    const r = startRunner(node.port);
    await until(() => r.beats() >= 1, 'the hello');
    await pause(1500);
    expect(warnings.filter((w) => w === 'TimeoutOverflowWarning')).toEqual([]);
    expect(r.failures).toEqual([]);
  });
});
