/**
 * A node flooding tiny frames (issue 25 item 4): one fake camera node answers
 * its live preview with 4-byte JPEG parts as fast as its socket takes them,
 * while 20 viewers watch it through rigmap (a real `rigmap serve` process).
 * Prints `GET /api/devices` p95 during the flood (target < 50 ms), rigmap's
 * CPU over the flood window as a share of one core (target < 30 %), and the
 * frames the node wrote against the frames rigmap parsed.
 * PREVIEW_FLOOD_SEC (default 20) sets the flood window. Loopback 127.150.4.0/24.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../test/helpers/app.ts';
import { procUsage } from './lib/rigmap-process.ts';
import { percentile, report } from './lib/stats.ts';

const FLOOD_MS = Number(process.env.PREVIEW_FLOOD_SEC ?? 20) * 1000;
const VIEWERS = 20;
const NODE_IP = '127.150.4.200';
const HOST = '127.150.4.250';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The flooding node: every part is a 4-byte JPEG; it writes until the socket pushes back, then on every drain.
let written = 0;
const tiny = Buffer.concat([Buffer.from('--f\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]), Buffer.from('\r\n')]);
const batch = Buffer.concat(Array.from({ length: 256 }, () => tiny));
const node = createServer((req, res) => {
  if (!req.url?.includes('preview.mjpeg')) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=f' });
  let open = true;
  res.on('close', () => { open = false; });
  const pump = () => {
    while (open) {
      written += 256;
      if (!res.write(batch)) return void res.once('drain', pump);
    }
  };
  pump();
});
const nodePort = await new Promise<number>((resolve) => node.listen(0, NODE_IP, () => resolve((node.address() as AddressInfo).port)));

const { dir, cleanup } = makeTempDir('rigmap-preview-flood-');
const server = spawn(process.execPath, [join(root, 'bin/rigmap.js'), 'serve', '--host', HOST, '--port', '0', '--db', join(dir, 'rigmap.db'), '--log-level', 'info', '--preview-max-streams-per-caller', String(VIEWERS)], {
  env: { ...process.env, RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_TAILSCALE_SYNC: 'off', RIGMAP_BONJOUR: 'off', RIGMAP_PROBES: 'off' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
};
process.on('exit', () => { stop(); cleanup(); });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c) => {
    out += c;
    const m = /"url":"(http:[^"]+)"/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`rigmap exited ${code}`)));
});
const created = await fetch(`${url}/api/devices`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'flood', role: 'camera', addresses: [{ network: 'lan', ip: NODE_IP }], services: [{ name: 'camera-node', protocol: 'http', port: nodePort, path: '/api/v1' }] }),
});
if (!created.ok) throw new Error(`device not created: ${await created.text()}`);

// Viewers that read everything rigmap relays.
let relayed = 0;
const viewers = await Promise.all(Array.from({ length: VIEWERS }, async () => {
  const res = await fetch(`${url}/api/devices/flood/preview.mjpeg`);
  if (res.status !== 200) throw new Error(`viewer got ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (r.done) return;
      relayed += r.value.length;
    }
  })();
  return reader;
}));
await sleep(1000);

const p0 = procUsage(server.pid!);
const t0 = performance.now();
const writtenAt0 = written;
const latencies: number[] = [];
while (performance.now() - t0 < FLOOD_MS) {
  const s = performance.now();
  const res = await fetch(`${url}/api/devices`);
  await res.arrayBuffer();
  if (res.ok) latencies.push(performance.now() - s);
  await sleep(50);
}
const elapsedS = (performance.now() - t0) / 1000;
const p1 = procUsage(server.pid!);
for (const r of viewers) await r.cancel().catch(() => undefined);
const cpuShare = ((p1.cpuS - p0.cpuS) / elapsedS) * 100;

console.log(`preview flood: 1 node writing 4-byte JPEG parts as fast as its socket allows, ${VIEWERS} viewers, ${elapsedS.toFixed(1)} s`);
console.log(`node wrote ${(written - writtenAt0).toLocaleString('en')} parts in the window (${Math.round((written - writtenAt0) / elapsedS).toLocaleString('en')}/s); viewers received ${(relayed / 1024).toFixed(0)} KiB in all`);
report('GET /api/devices p50 during the flood', percentile(latencies, 50), 'ms');
report('GET /api/devices p95 during the flood', percentile(latencies, 95), 'ms', { max: 50 });
report('rigmap CPU during the flood (% of one core)', cpuShare, '%', { max: 30 });
node.closeAllConnections();
node.close();
stop();
process.exit(0);
