/**
 * Simulator at scale: 500 camera nodes (1,000 listening addresses plus the
 * extras) start in under 5 s and hold 1 s heartbeats on every node under
 * 300 MB RSS. The rig runs in a child process so its RSS is its own; this
 * process subscribes to every node's event stream on both addresses and counts
 * the heartbeats each stream receives over a 10 s window.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import { percentile, report } from './lib/stats.ts';

const NODES = 500;
const HEARTBEAT_MS = 1000;
const WINDOW_MS = 10_000;

type ChildMsg = { type: 'started'; startMs: number; nodes: Array<{ id: string; role: string; lanIp: string; tailscaleIp: string | null; port: number }> } | { type: 'rss'; rss: number };

if (process.argv[2] === 'child') {
  const { startSimRig } = await import('../src/sim/rig.ts');
  const t0 = performance.now();
  const rig = await startSimRig({ nodes: NODES, lanCidr: '127.1.0.0/16', tailnetCidr: '127.101.0.0/16', port: 0, heartbeatMs: HEARTBEAT_MS });
  process.send!({ type: 'started', startMs: performance.now() - t0, nodes: rig.nodes } satisfies ChildMsg);
  process.on('message', (m: string) => {
    if (m === 'rss') process.send!({ type: 'rss', rss: process.memoryUsage().rss } satisfies ChildMsg);
    if (m === 'stop') void rig.close().then(() => process.exit(0));
  });
} else {
  const child = fork(fileURLToPath(import.meta.url), ['child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<ChildMsg>((resolve) => child.once('message', (m) => resolve(m as ChildMsg)));
  const started = await next();
  if (started.type !== 'started') throw new Error('child did not start');
  report(`start of a ${NODES}-camera rig (${started.nodes.filter((n) => n.tailscaleIp).length * 2 + 1} addresses)`, started.startMs / 1000, 's', { max: 5 });

  const cameras = started.nodes.filter((n) => n.role === 'camera');
  const counts: number[] = [];
  let counting = false;
  const streams: Array<() => void> = [];
  let connected = 0;
  await Promise.all(
    cameras.flatMap((n) =>
      [n.lanIp, n.tailscaleIp!].map(
        (ip) =>
          new Promise<void>((resolve, reject) => {
            const slot = counts.push(0) - 1;
            const parser = createParser({ onEvent: (e) => { if (counting && e.event === 'heartbeat') counts[slot]!++; } });
            const req = request({ host: ip, port: n.port, path: '/api/v1/events', agent: false }, (res) => {
              res.setEncoding('utf8');
              res.on('data', (c: string) => parser.feed(c));
              connected++;
              resolve();
            });
            req.on('error', reject);
            req.end();
            streams.push(() => req.destroy());
          }),
      ),
    ),
  );
  const rss = async () => {
    child.send('rss');
    const m = await next();
    return m.type === 'rss' ? m.rss : NaN;
  };
  let peak = await rss();
  counting = true;
  const end = Date.now() + WINDOW_MS;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    peak = Math.max(peak, await rss());
  }
  counting = false;
  const expected = WINDOW_MS / HEARTBEAT_MS;
  report(`open event streams (${cameras.length} nodes × 2 paths)`, connected, 'streams');
  report(`heartbeats per stream in ${WINDOW_MS / 1000} s: median`, percentile(counts, 50), `(expected ${expected})`);
  report(`heartbeats per stream in ${WINDOW_MS / 1000} s: minimum`, Math.min(...counts), `(expected ${expected})`);
  const starved = counts.filter((c) => c < expected * 0.8).length;
  report('streams below 80% of the expected heartbeats', starved, 'streams', { max: 0 });
  report('simulator peak RSS while holding all streams', peak / 1024 / 1024, 'MB', { max: 300 });
  for (const s of streams) s();
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
}
