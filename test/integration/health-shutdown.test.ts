/**
 * Clean shutdown: SIGTERM to a serving `node bin/rigmap.js serve` that holds
 * open browser streams (/api/events), live probe streams to a simulated rig,
 * and a probe parked on a hung node, exits with code 0. The wait is bounded
 * (15 s); how fast it exits is a benchmark figure, not an assertion.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually } from './health-helpers.ts';
import { probeCounts, type ServeProcess, spawnServe } from './health-process.ts';

const NODES = 3;
let sim: SimRig;
let temp: { dir: string; cleanup(): void };
let serve: ServeProcess | undefined;

beforeAll(async () => {
  sim = await startSimRig({ nodes: NODES, lanCidr: '127.33.13.0/24', tailnetCidr: '127.133.13.0/24', heartbeatMs: 200, extras: false, idPrefix: 'term' });
  temp = makeTempDir('rigmap-shutdown-');
}, 30_000);

afterAll(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
  await sim?.close();
  temp?.cleanup();
});

describe('rigmap serve on SIGTERM', () => {
  it('exits with code 0 while browsers and probes hold streams open', async () => {
    serve = await spawnServe({ db: join(temp.dir, 'rigmap.db') });
    const { url } = serve;
    const imported = await fetch(`${url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
    expect(imported.status).toBe(200);
    await eventually('every path up', async () => (await probeCounts(url)).up === 2 * NODES, 20_000);

    // Two browsers on /api/events, reading (so the server really holds the streams).
    const browsers = await Promise.all([0, 1].map(() => fetch(`${url}/api/events`)));
    const reads = browsers.map(async (res) => {
      const reader = res.body!.getReader();
      for (let i = 0; i < 100_000; i++) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    });
    // A hung node: its probe stream stays open and silent, its polls park until they time out.
    sim.setFault('term-03', { mode: 'hang' });
    await eventually('the hung node seen down', async () => (await probeCounts(url)).down >= 2, 20_000);
    const opened = sim.describe().reduce((n, d) => n + d.openStreams, 0);
    expect(opened).toBeGreaterThanOrEqual(2 * (NODES - 1));

    serve.child.kill('SIGTERM');
    const exit = await Promise.race([serve.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(exit, `no exit within 15 s of SIGTERM; output:\n${serve.output()}`).not.toBeNull();
    expect(exit).toEqual({ code: 0, signal: null });
    // The browsers' streams ended with the server.
    await Promise.race([Promise.all(reads), new Promise((r) => setTimeout(r, 5000))]);
  }, 90_000);

  it('exits with code 0 when whoever read its output has gone (stdout a broken pipe)', async () => {
    // An orphaned server (its bench or supervisor died) used to hang for ever in the
    // exit-time log flush, retrying EPIPE: the "12 minutes after SIGTERM" of a bench run.
    sim.setFault('term-03', { mode: 'ok' });
    const orphan = await spawnServe({ db: join(temp.dir, 'orphan.db'), logLevel: 'info' });
    serve = orphan;
    const imported = await fetch(`${orphan.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
    expect(imported.status).toBe(200);
    await eventually('every path up', async () => (await probeCounts(orphan.url)).up === 2 * NODES, 20_000);
    orphan.child.stdout!.destroy(); // our end of its stdout is gone: its next write meets EPIPE
    const events = await fetch(`${orphan.url}/api/events`);
    orphan.child.kill('SIGTERM');
    const exit = await Promise.race([orphan.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(exit, `no exit within 15 s of SIGTERM; output:\n${orphan.output()}`).not.toBeNull();
    expect(exit).toEqual({ code: 0, signal: null });
    await events.body?.cancel().catch(() => undefined);
  }, 90_000);
});
