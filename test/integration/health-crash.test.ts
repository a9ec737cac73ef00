/**
 * Crash safety: `rigmap serve` killed with SIGKILL while it probes a simulated
 * rig and while inventory is being written through the API. Every write that
 * got a 2xx answer survives, the database passes `PRAGMA integrity_check`, and
 * a restart resumes probing (every path up again). The time to resume is
 * printed (a figure for docs/benchmarks.md), never asserted.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually, pause } from './health-helpers.ts';
import { probeCounts, type ServeProcess, spawnServe } from './health-process.ts';

const NODES = 4;
let sim: SimRig;
let temp: { dir: string; cleanup(): void };
const running: ServeProcess[] = [];

beforeAll(async () => {
  sim = await startSimRig({ nodes: NODES, lanCidr: '127.33.12.0/24', tailnetCidr: '127.133.12.0/24', heartbeatMs: 200, extras: false, idPrefix: 'crash' });
  temp = makeTempDir('rigmap-crash-');
}, 30_000);

afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await sim?.close();
  temp?.cleanup();
});

/** Write devices through the API until stopped; returns the ids that got a 2xx answer. */
function startWriter(url: string, worker: number) {
  const acked: string[] = [];
  let stop = false;
  const done = (async () => {
    for (let i = 0; i < 100_000 && !stop; i++) {
      const id = `written-${worker}-${i}`;
      try {
        const res = await fetch(`${url}/api/devices`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id, name: `Written ${worker}/${i}`, role: 'other', notes: 'x'.repeat(200) }),
        });
        if (res.status >= 200 && res.status < 300) acked.push(id);
        await res.arrayBuffer();
      } catch {
        return; // the server is gone: this write got no answer, so it may or may not be there
      }
    }
  })();
  return { acked, done, stop: () => (stop = true) };
}

describe('crash safety of rigmap serve', () => {
  it('kill -9 while probing and writing loses no acknowledged write, leaves an intact database, and a restart resumes probing', async () => {
    const db = join(temp.dir, 'rigmap.db');
    const first = await spawnServe({ db });
    running.push(first);
    const imported = await fetch(`${first.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
    expect(imported.status, await imported.clone().text()).toBe(200);
    await eventually('every path up before the crash', async () => (await probeCounts(first.url)).up === 2 * NODES, 20_000);

    // Heavy probing: one node bounces (transitions written), two writers add inventory.
    let bouncing = true;
    const bouncer = (async () => {
      for (let i = 0; bouncing && i < 1000; i++) {
        sim.setFault('crash-02', { mode: i % 2 === 0 ? 'down' : 'ok' });
        await pause(250);
      }
    })();
    const writers = [startWriter(first.url, 1), startWriter(first.url, 2)];
    await eventually('writes acknowledged and transitions recorded', async () => {
      const t = (await (await fetch(`${first.url}/api/devices/crash-02/health?transitions=5`)).json()) as { transitions?: unknown[] };
      return writers.every((w) => w.acked.length >= 20) && (t.transitions?.length ?? 0) >= 3;
    }, 20_000);

    first.child.kill('SIGKILL');
    const gone = await first.exited;
    expect(gone.signal).toBe('SIGKILL');
    await Promise.all(writers.map((w) => w.done));
    bouncing = false;
    await bouncer;
    await sim.applyFault('crash-02', { mode: 'ok' });
    const acked = writers.flatMap((w) => w.acked);

    // The database as the crash left it (opening it replays the WAL, as the restart will).
    const sqlite = new Database(db);
    const integrity = sqlite.pragma('integrity_check', { simple: true });
    const present = new Set((sqlite.prepare('select id from devices').all() as Array<{ id: string }>).map((r) => r.id));
    const transitions = (sqlite.prepare('select count(*) as n from health_transitions').get() as { n: number }).n;
    sqlite.close();
    expect(integrity).toBe('ok');
    expect(acked.filter((id) => !present.has(id))).toEqual([]);
    expect(transitions).toBeGreaterThan(0);

    // Restart on the same database: probing resumes and every path comes up again.
    const t0 = performance.now();
    const second = await spawnServe({ db });
    running.push(second);
    const serving = performance.now();
    await eventually('every path up after the restart', async () => (await probeCounts(second.url)).up === 2 * NODES, 30_000);
    const resumed = performance.now();
    process.stdout.write(
      `crash restart: serving ${((serving - t0) / 1000).toFixed(2)} s after spawn; every path up ${((resumed - serving) / 1000).toFixed(2)} s after serving ` +
        `(${((resumed - t0) / 1000).toFixed(2)} s after spawn); ${acked.length} acknowledged writes, all present\n`,
    );
    const listed = (await (await fetch(`${second.url}/api/devices`)).json()) as Array<{ id: string }> | { devices: Array<{ id: string }> };
    const ids = new Set((Array.isArray(listed) ? listed : listed.devices).map((d) => d.id));
    expect(acked.filter((id) => !ids.has(id))).toEqual([]);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);
});
