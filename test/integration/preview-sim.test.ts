/**
 * Contract v1.1 live preview on the simulator: `GET /api/v1/preview.mjpeg`
 * serves multipart/x-mixed-replace JPEG frames that really change, on both
 * addresses, capped in fps and width, with the path's fault applied
 * (hang: frames stop, down: refused), and `info.features` announces it.
 * Addresses: LAN 127.34.1.0/24, tailnet 127.134.1.0/24.
 */
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIEW_BOUNDARY, PREVIEW_LIMITS } from '../../src/sim/preview.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { frameReader, readFrames } from './mjpeg-reader.ts';

let rig: SimRig;
const base = (i: number, path: 'lan' | 'tailscale' = 'lan') => {
  const n = rig.nodes[i]!;
  return `http://${path === 'lan' ? n.lanIp : n.tailscaleIp}:${n.port}/api/v1`;
};

beforeAll(async () => {
  rig = await startSimRig({ nodes: 3, extras: false, port: 0, lanCidr: '127.34.1.0/24', tailnetCidr: '127.134.1.0/24', heartbeatMs: 250 });
}, 30_000);
afterAll(async () => rig?.close());

describe('sim live preview (contract v1.1)', () => {
  it('lists preview.mjpeg in info.features and keeps api 1', async () => {
    const info = await (await fetch(`${base(0)}/info`)).json();
    expect(info).toMatchObject({ api: 1, features: expect.arrayContaining(['preview.mjpeg']) });
  });

  it('serves moving JPEG frames at the default size on both addresses', async () => {
    for (const path of ['lan', 'tailscale'] as const) {
      const res = await fetch(`${base(0, path)}/preview.mjpeg`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(`multipart/x-mixed-replace; boundary=${PREVIEW_BOUNDARY}`);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const frames = await readFrames(res, { count: 4, timeoutMs: 10_000 });
      expect(frames.length).toBe(4);
      const decoded = frames.map((f) => jpeg.decode(f, { useTArray: true }));
      expect(decoded[0]!.width).toBe(PREVIEW_LIMITS.defaultWidth);
      expect(decoded[0]!.height).toBe(270);
      // The bar moves every frame: the first and last frames differ.
      expect(Buffer.compare(Buffer.from(decoded[0]!.data), Buffer.from(decoded[3]!.data))).not.toBe(0);
    }
  });

  it('caps fps and width and refuses a non-number', async () => {
    const res = await fetch(`${base(1)}/preview.mjpeg?fps=500&width=99999`);
    expect(res.headers.get('x-preview-fps')).toBe(String(PREVIEW_LIMITS.maxFps));
    expect(res.headers.get('x-preview-width')).toBe(String(PREVIEW_LIMITS.maxWidth));
    const [frame] = await readFrames(res, { count: 1, timeoutMs: 10_000 });
    expect(jpeg.decode(frame!, { useTArray: true }).width).toBe(PREVIEW_LIMITS.maxWidth);
    const small = await fetch(`${base(1)}/preview.mjpeg?fps=0&width=10`);
    expect(small.headers.get('x-preview-fps')).toBe(String(PREVIEW_LIMITS.minFps));
    expect(small.headers.get('x-preview-width')).toBe(String(PREVIEW_LIMITS.minWidth));
    await small.body?.cancel();
    const bad = await fetch(`${base(1)}/preview.mjpeg?fps=fast`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('validation_failed');
  });

  it('stops sending frames while the node hangs and refuses while it is down', async () => {
    const live = frameReader(await fetch(`${base(2)}/preview.mjpeg?fps=10`));
    expect((await live.take(1, 10_000)).length).toBe(1);
    await rig.applyFault('cam-03', { mode: 'hang', path: 'lan' });
    // Frames already in flight may still arrive; after a moment, nothing more.
    await live.take(50, 500);
    expect(await live.take(1, 1500)).toEqual([]);
    await live.close();
    // The tailnet address is not hung.
    expect((await readFrames(await fetch(`${base(2, 'tailscale')}/preview.mjpeg`), { count: 2, timeoutMs: 10_000 })).length).toBe(2);
    await rig.applyFault('cam-03', { mode: 'down', path: 'lan' });
    await expect(fetch(`${base(2)}/preview.mjpeg`)).rejects.toThrow();
    await rig.applyFault('cam-03', { mode: 'ok' });
    expect((await readFrames(await fetch(`${base(2)}/preview.mjpeg`), { count: 2, timeoutMs: 10_000 })).length).toBe(2);
  });
});
