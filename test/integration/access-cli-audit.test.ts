/**
 * CLI changes are audited as `cli:<os user>` and reach /api/events of a
 * running server: the CLI writes the audit trail, the server notices the
 * other process's writes (data_version) and publishes them, once.
 * Addresses: 127.32.4.0/24.
 */
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/main.ts';
import { makeTempDir } from '../helpers/app.ts';
import { runRigmap } from '../helpers/cli.ts';
import { until } from '../helpers/eventually.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Seen { event: string; data: any }

/** Collect the SSE events of `res` in the background. */
function collect(res: Response): { seen: Seen[]; stop(): Promise<void> } {
  const seen: Seen[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const loop = (async () => {
    for (;;) {
      const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (next.done) return;
      text += decoder.decode(next.value, { stream: true });
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut);
        text = text.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) seen.push({ event, data: JSON.parse(data) });
      }
    }
  })();
  return { seen, stop: async () => { await reader.cancel().catch(() => undefined); await loop; } };
}

describe('CLI changes', () => {
  it('are audited as cli:<os user> and reach a running server\'s /api/events, each once', async () => {
    const { dir, cleanup } = makeTempDir('rigmap-access-cli-');
    cleanups.push(cleanup);
    const db = join(dir, 'r.db');
    const server = await startServer(loadConfig({ db, host: '127.0.0.1', port: 0, logLevel: 'silent', probes: 'off', bonjour: 'off', probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1' }, {}));
    cleanups.push(() => server.close());
    const events = collect(await fetch(`${server.url}/api/events`));
    cleanups.push(() => events.stop());
    const actor = `cli:${userInfo().username}`;
    const cli = async (...args: string[]) => {
      const r = await runRigmap([...args, '--db', db]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    };

    await cli('device', 'add', 'cam-a', '--role', 'camera', '--lan', '127.32.4.5');
    await cli('device', 'add', 'hub', '--role', 'hotspot');
    await cli('link', 'add', 'cam-a', 'hub', '--kind', 'wifi');
    writeFileSync(join(dir, 'rig.json'), JSON.stringify({ version: 1, devices: [{ id: 'cam-b', role: 'camera' }] }));
    await cli('import', join(dir, 'rig.json'));
    await cli('device', 'remove', 'cam-a');

    const of = (type: string) => events.seen.filter((e) => e.event === type);
    await until(() => of('device.changed').some((e) => e.data.deviceId === 'cam-a' && e.data.change === 'removed'), 'device.changed removed on /api/events', 30_000);
    expect(of('device.changed').map((e) => `${e.data.change} ${e.data.deviceId} ${e.data.actor}`)).toEqual([`created cam-a ${actor}`, `created hub ${actor}`, `created cam-b ${actor}`, `removed cam-a ${actor}`]);
    expect(of('link.changed').map((e) => e.data)).toEqual([expect.objectContaining({ from: 'cam-a', to: 'hub', change: 'created', actor })]);
    expect(of('inventory.imported').map((e) => e.data)).toEqual([expect.objectContaining({ created: ['cam-b'], actor })]);

    const audit = (await (await fetch(`${server.url}/api/audit?limit=50`)).json()).entries.map((e: { action: string; actor: string; target: string | null }) => `${e.action} ${e.target ?? ''} ${e.actor}`);
    // Each change exactly once: publishing them on the server's bus does not record them again.
    expect(audit.filter((l: string) => l.startsWith('device.created cam-a'))).toEqual([`device.created cam-a ${actor}`]);
    expect(audit.filter((l: string) => /^link\.created /.test(l))).toHaveLength(1);
    expect(audit.filter((l: string) => /^inventory\.imported /.test(l))).toEqual([`inventory.imported  ${actor}`]);
    expect(audit).toContain(`device.removed cam-a ${actor}`);
  }, 90_000);
});
