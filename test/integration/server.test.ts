import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger, type RunningServer, startServer } from '../../src/server/main.ts';
import { makeTempDir } from '../helpers/app.ts';

// Probe scope pinned to loopback: a running server never contacts anything else.
const testEnv = { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' };

describe('a real listening server', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function start(db: string): Promise<RunningServer> {
    const config = loadConfig({ host: '127.0.0.1', port: 0, db, logLevel: 'silent' }, testEnv);
    const server = await startServer(config, { logger: createLogger({ logLevel: 'silent' }) });
    return server;
  }

  it('serves the API over HTTP and keeps the map across a restart', async () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.cleanup);
    const db = join(tmp.dir, 'nested', 'rigmap.db');

    const first = await start(db);
    const created = await fetch(`${first.url}/api/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cam-a', role: 'camera', addresses: [{ network: 'lan', ip: '127.33.23.21' }] }),
    });
    expect(created.status).toBe(201);
    await first.close();

    const second = await start(db);
    cleanups.push(() => second.close());
    const res = await fetch(`${second.url}/api/devices/cam-a`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'cam-a', role: 'camera', addresses: [{ ip: '127.33.23.21' }] });
  });

  it('refuses an oversized streamed body with 413 and the error shape', async () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.cleanup);
    const server = await start(join(tmp.dir, 'rigmap.db'));
    cleanups.push(() => server.close());
    // A streamed body has no Content-Length: the limit must hold while reading.
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.url}/api/import`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('says clearly when the port is taken', async () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.cleanup);
    const first = await start(join(tmp.dir, 'a.db'));
    cleanups.push(() => first.close());
    const config = loadConfig({ host: '127.0.0.1', port: first.port, db: join(tmp.dir, 'b.db'), logLevel: 'silent' }, testEnv);
    await expect(startServer(config, { logger: createLogger({ logLevel: 'silent' }) })).rejects.toThrow(/already in use/);
  });
});

describe('configuration', () => {
  it('takes flags over environment over defaults', () => {
    expect(loadConfig({}, {})).toMatchObject({ host: '127.0.0.1', port: 4747, db: './data/rigmap.db' });
    expect(loadConfig({}, { RIGMAP_PORT: '5000', RIGMAP_DB: '/tmp/x.db' })).toMatchObject({ port: 5000, db: '/tmp/x.db' });
    expect(loadConfig({ port: '6000' }, { RIGMAP_PORT: '5000' })).toMatchObject({ port: 6000 });
  });

  it('names the bad setting and its value', () => {
    expect(() => loadConfig({}, { RIGMAP_PORT: 'eighty' })).toThrow(/RIGMAP_PORT.*"eighty"/);
    expect(() => loadConfig({ port: '99999' }, {})).toThrow(/--port.*must be 0-65535/);
  });
});
