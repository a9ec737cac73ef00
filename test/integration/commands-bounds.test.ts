/**
 * POST /api/commands with absurdly nested `args`: refused with a 400 that names
 * the field, before anything is sent (it used to overflow the stack: a 500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJsonDepthWithin, MAX_JSON_DEPTH } from '../../src/topology/json-depth.ts';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';

let rig: TestRig;
beforeAll(async () => {
  rig = makeTestRig();
  // A camera in the map (nothing listens at its address): the fan-out has someone to send to.
  const res = await rig.app.request('/api/devices', jsonInit('POST', {
    id: 'cam-deep', role: 'camera', addresses: [{ network: 'lan', ip: '127.33.3.1' }], services: [{ name: 'camera-node', protocol: 'http', port: 9 }],
  }));
  expect(res.status).toBe(201);
});
afterAll(() => rig?.close());

/** `{"k":{"k":…{}}}` nested `depth` levels, as text (JSON.stringify of it would overflow). */
const nested = (depth: number) => `${'{"k":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

describe('command args depth', () => {
  it('refuses 6,000-deep args with a 400 naming args', async () => {
    const body = `{"action":"marker","role":"camera","args":${nested(6000)}}`;
    const res = await rig.app.request('/api/commands', jsonInit('POST', body));
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { code: string; message: string; details?: { problems?: { field: string }[] } } };
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.message).toContain('args');
    expect(err.error.message).toContain(`deeper than ${MAX_JSON_DEPTH}`);
  });

  it('refuses 33 levels, accepts 32', async () => {
    const deep = await rig.app.request('/api/commands', jsonInit('POST', `{"action":"marker","role":"camera","args":${nested(33)}}`));
    expect(deep.status).toBe(400);
    // 32 levels pass: the command goes out (and fails on the node's refused port).
    const ok = await rig.app.request('/api/commands', jsonInit('POST', `{"action":"marker","role":"camera","args":${nested(32)}}`));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ total: 1, ok: 0 });
  });

  it('measures depth without recursion', () => {
    expect(isJsonDepthWithin(JSON.parse(nested(100_000)))).toBe(false);
    expect(isJsonDepthWithin({ a: [1, { b: 'x' }], c: null })).toBe(true);
    expect(isJsonDepthWithin([[[]]], 3)).toBe(true);
    expect(isJsonDepthWithin([[[[]]]], 3)).toBe(false);
  });
});
