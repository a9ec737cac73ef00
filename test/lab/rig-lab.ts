/**
 * The rig lab: real hosts in Linux network namespaces. A "switch" namespace holds
 * two bridges, the hotspot's Wi-Fi (LAN, 198.18.<octet>.0/24) and the tailnet
 * (198.19.<octet>.0/24). Each camera is its own namespace running `rigmap sim
 * --nodes 1` on its two addresses; the hotspot namespace serves a small admin
 * page; the console namespace runs `rigmap serve`, reached from the test through
 * a unix socket. Faults are inflicted the way they happen on a shoot.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ip, ipQuiet, LAB_PREFIX, removeTagged } from './netns.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Each phone's simulator control API, on loopback inside its own namespace. */
const PHONE_CONTROL_PORT = 4749;

/** Lab options. */
export interface LabOptions {
  /** Short, unique per test file (namespace names). */
  tag: string;
  /** Third octet of both /24s, unique per test file. */
  octet: number;
  cameras?: number;
  /**
   * Simulated iPhones running Blackmagic Camera, each its own namespace
   * advertising `_http._tcp` on its LAN address; not imported (the console
   * finds them over Bonjour, which is switched on when there are phones).
   */
  phones?: number;
  heartbeatMs?: number;
  /** Extra RIGMAP_* settings for the server. */
  env?: Record<string, string>;
}

/** A running lab. */
export interface RigLab {
  cameraIds: string[];
  /** Lab names of the phones (ph-01 …; walkAway/walkBack take them too). */
  phoneIds: string[];
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** Set a phone's simulator fault (app-closed, ok …) through its control API inside its namespace. */
  phoneFault(phone: string, mode: string): void;
  /** Node: walk out of range (blackhole routes to the console, both paths) / back. */
  walkAway(cam: string): void;
  walkBack(cam: string): void;
  /** Lose only the camera's tailnet path (blackhole to the console's tailnet address). */
  dropTailnetOf(cam: string): void;
  restoreTailnetOf(cam: string): void;
  /** Lose only the camera's LAN path (blackhole to the console's LAN address). */
  dropLanOf(cam: string): void;
  restoreLanOf(cam: string): void;
  /** The hotspot dies: its bridge goes down, every LAN path silent. */
  hotspotDown(): void;
  hotspotUp(): void;
  tailnetDown(): void;
  tailnetUp(): void;
  freeze(cam: string): void;
  thaw(cam: string): void;
  /** Kill the camera app (connections refused). */
  crash(cam: string): void;
  /** Everything the processes wrote (for failure messages). */
  output(): string;
  close(): void;
}

interface Proc {
  name: string;
  child: ChildProcess;
  out: string;
}

/** Build the lab, start every process, import the rig and wait until the server serves. */
export async function startLab(o: LabOptions): Promise<RigLab> {
  const prefix = `${LAB_PREFIX}${o.tag}-`;
  removeTagged(prefix); // leftovers of a crashed earlier run with this tag
  const dir = mkdtempSync(join(tmpdir(), `rigmap-lab-${o.tag}-`));
  const procs: Proc[] = [];
  const lan = (host: number) => `198.18.${o.octet}.${host}`;
  const tsn = (host: number) => `198.19.${o.octet}.${host}`;
  const sw = `${prefix}sw`;
  const con = `${prefix}con`;
  const hs = `${prefix}hs`;
  const cams = Array.from({ length: o.cameras ?? 5 }, (_, i) => ({ id: `cam-0${i + 1}`, ns: `${prefix}c${i + 1}`, host: 11 + i }));
  const phones = Array.from({ length: o.phones ?? 0 }, (_, i) => ({ id: `ph-0${i + 1}`, ns: `${prefix}p${i + 1}`, host: 31 + i, prefix: `ph${i + 1}` }));
  const closeAll = () => {
    for (const p of procs) {
      try {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    removeTagged(prefix);
    rmSync(dir, { recursive: true, force: true });
  };
  const start = (name: string, ns: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p: Proc = { name, child, out: '' };
    child.stdout!.on('data', (c: Buffer) => (p.out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (p.out += c.toString()));
    procs.push(p);
    return p;
  };
  const waitFor = (p: Proc, re: RegExp, ms = 60_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${p.name}: no ${re} within ${ms / 1000} s:\n${p.out}`)), ms);
      const look = () => {
        const m = re.exec(p.out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      p.child.stdout!.on('data', look);
      p.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${p.name} exited (${code}):\n${p.out}`));
      });
      look();
    });

  try {
    for (const ns of [sw, con, hs, ...cams.map((c) => c.ns), ...phones.map((p) => p.ns)]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    for (const br of ['brlan', 'brts']) {
      ip('-n', sw, 'link', 'add', br, 'type', 'bridge');
      // mDNS must reach every port, with or without an IGMP querier on the "Wi-Fi".
      ip('-n', sw, 'link', 'set', br, 'type', 'bridge', 'mcast_snooping', '0');
      ip('-n', sw, 'link', 'set', br, 'up');
    }
    // One veth per host and network: `dev` inside the host, `port` on the bridge.
    const attach = (ns: string, dev: string, port: string, br: string, addr: string) => {
      ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', dev, 'netns', ns);
      ip('-n', sw, 'link', 'set', port, 'master', br);
      ip('-n', sw, 'link', 'set', port, 'up');
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
      ip('-n', ns, 'link', 'set', dev, 'up');
    };
    attach(con, 'lan0', 'con-l', 'brlan', lan(2));
    attach(con, 'ts0', 'con-t', 'brts', tsn(2));
    attach(hs, 'wlan0', 'hs-l', 'brlan', lan(1));
    for (const [i, c] of cams.entries()) {
      attach(c.ns, 'lan0', `c${i + 1}-l`, 'brlan', lan(c.host));
      attach(c.ns, 'ts0', `c${i + 1}-t`, 'brts', tsn(c.host));
    }
    for (const [i, p] of phones.entries()) {
      attach(p.ns, 'lan0', `p${i + 1}-l`, 'brlan', lan(p.host));
      attach(p.ns, 'ts0', `p${i + 1}-t`, 'brts', tsn(p.host));
    }
    // Bonjour's multicast goes out on the LAN (no default route in a namespace).
    for (const ns of [con, ...phones.map((p) => p.ns)]) ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lan0');

    const hb = String(o.heartbeatMs ?? 1000);
    const hotspot = start('hotspot', hs, [join(root, 'test/lab/hotspot.mjs'), lan(1), '80']);
    const camProcs = cams.map((c) =>
      start(c.id, c.ns, [join(root, 'bin/rigmap.js'), 'sim', '--nodes', '1', '--no-extras', '--lan', `${lan(c.host)}/32`, '--tailnet', `${tsn(c.host)}/32`, '--port', '8080', '--heartbeat-ms', hb, '--control-port', '0']),
    );
    const phoneProcs = phones.map((p) =>
      start(p.id, p.ns, [join(root, 'bin/rigmap.js'), 'sim', '--nodes', '0', '--no-extras', '--phones', '1', '--id-prefix', p.prefix, '--lan', `${lan(p.host)}/32`, '--tailnet', `${tsn(p.host)}/32`,
        '--advertise', '--advertise-on', lan(p.host), '--control-port', String(PHONE_CONTROL_PORT)]),
    );
    const serve = start('console', con, [join(root, 'bin/rigmap.js'), 'serve', '--port', '0', '--db', join(dir, 'rigmap.db'), '--log-level', 'warn'], {
      RIGMAP_PROBE_CIDRS: '198.18.0.0/15', RIGMAP_TAILSCALE_SYNC: 'off', ...(phones.length ? { RIGMAP_BONJOUR: 'on', RIGMAP_MDNS_INTERFACE: lan(2) } : { RIGMAP_BONJOUR: 'off', RIGMAP_MDNS_INTERFACE: '127.0.0.1' }),
      RIGMAP_NEVER_SEEN_AFTER_SEC: '0', RIGMAP_PROBE_INTERVAL_MS: '1000', ...o.env,
    });
    await waitFor(hotspot, /hotspot admin up/);
    await Promise.all([...camProcs, ...phoneProcs].map((p) => waitFor(p, /Ctrl-C stops the simulator/)));
    const port = (await waitFor(serve, /rigmap is serving http:\/\/127\.0\.0\.1:(\d+)/))[1]!;
    const sock = join(dir, 'api.sock');
    await waitFor(start('forwarder', con, [join(root, 'test/lab/forward.mjs'), sock, port]), /forwarding/);

    // One connection per call (agent: false): a kept-alive socket the server closes as a request leaves is a "socket hang up".
    const call = <T>(method: string, path: string, body?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const req = request({ socketPath: sock, agent: false, path, method, headers: { host: '127.0.0.1', 'content-type': 'application/json' }, timeout: 15_000 }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(JSON.parse(text) as T) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    const inventory = {
      version: 1,
      rig: { name: `Lab ${o.tag}` },
      devices: [
        { id: 'hotspot', name: 'Hotspot', role: 'hotspot', expected: true, addresses: [{ network: 'lan', ip: lan(1) }], services: [{ name: 'admin', protocol: 'http', port: 80 }] },
        ...cams.map((c) => ({
          id: c.id, name: c.id, role: 'camera', expected: true,
          addresses: [{ network: 'lan', ip: lan(c.host) }, { network: 'tailscale', ip: tsn(c.host) }],
          services: [{ name: 'camera-node', protocol: 'http', port: 8080 }],
        })),
      ],
      links: cams.map((c) => ({ from: c.id, to: 'hotspot', kind: 'wifi' })),
    };
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    await call('POST', '/api/import', inventory);

    const camOf = (id: string) => {
      const c = cams.find((x) => x.id === id);
      if (c) return { ...c, proc: camProcs[cams.indexOf(c)]! };
      const p = phones.find((x) => x.id === id);
      if (p) return { ...p, proc: phoneProcs[phones.indexOf(p)]! };
      throw new Error(`no lab camera or phone ${id}`);
    };
    const blackhole = (id: string, addrs: string[], op: 'add' | 'del') => {
      for (const a of addrs) (op === 'add' ? ip : ipQuiet)('-n', camOf(id).ns, 'route', op, 'blackhole', `${a}/32`);
    };
    return {
      cameraIds: cams.map((c) => c.id),
      phoneIds: phones.map((p) => p.id),
      get: (path) => call('GET', path),
      post: (path, body) => call('POST', path, body ?? {}),
      phoneFault: (id, mode) => {
        const p = phones.find((x) => x.id === id);
        if (!p) throw new Error(`no lab phone ${id}`);
        execFileSync('ip', ['netns', 'exec', p.ns, process.execPath, join(root, 'bin/rigmap.js'), 'sim-fault', `${p.prefix}-phone-01`, mode, '--control', `http://127.0.0.1:${PHONE_CONTROL_PORT}`], { cwd: root, stdio: 'pipe', timeout: 15_000 });
      },
      walkAway: (id) => blackhole(id, [lan(2), tsn(2)], 'add'),
      walkBack: (id) => blackhole(id, [lan(2), tsn(2)], 'del'),
      dropTailnetOf: (id) => blackhole(id, [tsn(2)], 'add'),
      restoreTailnetOf: (id) => blackhole(id, [tsn(2)], 'del'),
      dropLanOf: (id) => blackhole(id, [lan(2)], 'add'),
      restoreLanOf: (id) => blackhole(id, [lan(2)], 'del'),
      hotspotDown: () => ip('-n', sw, 'link', 'set', 'brlan', 'down'),
      hotspotUp: () => ip('-n', sw, 'link', 'set', 'brlan', 'up'),
      tailnetDown: () => ip('-n', sw, 'link', 'set', 'brts', 'down'),
      tailnetUp: () => ip('-n', sw, 'link', 'set', 'brts', 'up'),
      freeze: (id) => void camOf(id).proc.child.kill('SIGSTOP'),
      thaw: (id) => void camOf(id).proc.child.kill('SIGCONT'),
      crash: (id) => void camOf(id).proc.child.kill('SIGKILL'),
      output: () => procs.map((p) => `--- ${p.name}\n${p.out.slice(-2000)}`).join('\n'),
      close: closeAll,
    };
  } catch (err) {
    closeAll();
    throw err;
  }
}
