/**
 * Discovery figures: a subnet scan of 127.0.1.0/24 against a simulated rig of 8
 * cameras (plus hotspot, console, relay on the same port), and the time from a
 * Bonjour advertisement (loopback-pinned) to the node being in the inbox.
 */
import { join } from 'node:path';
import multicastDns, { type MdnsPacket } from 'multicast-dns';
import { startSimRig } from '../src/sim/rig.ts';
import { BonjourBrowser } from '../src/topology/discovery/bonjour-browser.ts';
import { listDiscovered } from '../src/topology/discovery/inbox.ts';
import { mdnsSocketOptions } from '../src/topology/discovery/mdns-prober.ts';
import { parseScanRange, scanSubnet } from '../src/topology/discovery/subnet-scan.ts';
import { EventBus } from '../src/topology/events.ts';
import { openDb } from '../src/topology/store/db.ts';
import { makeTempDir } from '../test/helpers/app.ts';
import { percentile, report } from './lib/stats.ts';

const CAMERAS = 8;
const tmp = makeTempDir('rigmap-bench-');
const store = openDb(join(tmp.dir, 'bench.db'));
const ctx = { db: store.db, bus: new EventBus(), actor: 'bench' };
const sim = await startSimRig({ nodes: CAMERAS, lanCidr: '127.0.1.0/24', tailnetCidr: '127.100.0.0/24', port: 0, extras: true, idPrefix: 'bench' });
try {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await scanSubnet({ ctx, ranges: [parseScanRange({ cidr: '127.0.1.0/24' })], port: sim.nodes[0]!.port, inScope: (ip) => ip.startsWith('127.') });
    if (r.found !== CAMERAS) throw new Error(`scan found ${r.found} nodes, expected ${CAMERAS}`);
    times.push(r.durationMs / 1000);
  }
  report(`scan of 127.0.1.0/24 (254 hosts, ${CAMERAS} nodes), median of 5`, percentile(times, 50), 's', { max: 3 });
  report('scan of 127.0.1.0/24, slowest of 5', Math.max(...times), 's', { max: 3 });
} finally {
  await sim.close();
}

// Bonjour: browser first, then a rig that starts advertising; time until every node is in the inbox.
// A listener of its own notes when the advertiser's first announcement goes out (after its RFC 6762 probing).
let announcedAt = 0;
const listener = multicastDns(mdnsSocketOptions('127.0.0.1'));
listener.on('response', (packet: MdnsPacket) => {
  if (!announcedAt && packet.answers.some((a) => a.type === 'SRV' && a.name.startsWith('Bonj'))) announcedAt = performance.now();
});
const browser = new BonjourBrowser({ ctx, iface: '127.0.0.1', inScope: (ip) => ip.startsWith('127.'), recheckMs: 3_600_000 }).start();
const t0 = performance.now();
const advertised = await startSimRig({ nodes: CAMERAS, lanCidr: '127.0.2.0/24', tailnetCidr: '127.100.2.0/24', port: 0, advertise: true, extras: false, idPrefix: 'bonj' });
const started = performance.now();
try {
  const until = Date.now() + 15_000;
  while (listDiscovered({ ctx }).filter((d) => d.nodeId?.startsWith('bonj-') && d.info).length < CAMERAS) {
    if (Date.now() > until) throw new Error('bonjour: not every node reached the inbox in 15 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  const done = performance.now();
  report(`bonjour: ${CAMERAS} nodes in the inbox after publish() (incl. probing)`, (done - started) / 1000, 's');
  report('  of which the advertiser probing before announcing', (announcedAt - started) / 1000, 's');
  report('  first announcement → every node in the inbox', (done - announcedAt) / 1000, 's', { max: 1 });
  report('  (from before the sim rig start-up)', (done - t0) / 1000, 's');
} finally {
  await advertised.close();
  await browser.stop();
  listener.destroy();
  store.close();
  tmp.cleanup();
}
