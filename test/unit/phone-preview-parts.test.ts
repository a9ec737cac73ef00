/**
 * The small parts of phone previews: ffmpeg's MJPEG output cut into JPEGs
 * (frames split anywhere, garbage skipped, oversized frames dropped, memory
 * bounded), the ffmpeg check's words when ffmpeg or SRT is missing, and the
 * destination XML (escaped) as the simulated phone reads it back.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlatformXml } from '../../src/sim/phone/platform-xml.ts';
import { checkFfmpeg } from '../../src/topology/preview/phone/ffmpeg-check.ts';
import { JpegSplitter } from '../../src/topology/preview/phone/jpeg-splitter.ts';
import { PREVIEW_PLATFORM, previewPlatformXml } from '../../src/topology/preview/phone/platform-xml.ts';
import { makeTempDir } from '../helpers/app.ts';

const fakeJpeg = (n: number, size: number) => {
  const b = Buffer.alloc(size, n & 0x7f);
  b[0] = 0xff; b[1] = 0xd8; b[2] = 0xff; b[3] = 0xe0;
  // A stuffed FF (FF 00) and a restart marker inside, which must not end the frame.
  b[10] = 0xff; b[11] = 0x00; b[20] = 0xff; b[21] = 0xd3;
  b[size - 2] = 0xff; b[size - 1] = 0xd9;
  return b;
};

describe('JpegSplitter', () => {
  it('gives back whole frames however the bytes are chunked', () => {
    const frames = [fakeJpeg(1, 300), fakeJpeg(2, 50), fakeJpeg(3, 1000)];
    const all = Buffer.concat([Buffer.from('junk'), ...frames]);
    for (const step of [1, 2, 3, 7, 299, 300, 301, 5000]) {
      const got: Buffer[] = [];
      const s = new JpegSplitter((f) => got.push(f));
      for (let i = 0; i < all.length; i += step) s.push(all.subarray(i, i + step));
      expect(got.map((g) => g.length), `chunks of ${step}`).toEqual([300, 50, 1000]);
      expect(Buffer.compare(got[2]!, frames[2]!)).toBe(0);
    }
  });

  it('drops a frame over the cap and keeps going with the next', () => {
    const got: Buffer[] = [];
    const s = new JpegSplitter((f) => got.push(f), 500);
    const big = fakeJpeg(4, 2000);
    for (let i = 0; i < big.length; i += 100) s.push(big.subarray(i, i + 100));
    s.push(fakeJpeg(5, 100));
    expect(got.map((g) => g.length)).toEqual([100]);
    expect(s.dropped).toBe(1);
  });
});

describe('checkFfmpeg', () => {
  it('says ffmpeg is not installed, and how to get it', async () => {
    const r = await checkFfmpeg('/nonexistent/rigmap-test-ffmpeg');
    expect(r).toMatchObject({ ok: false });
    expect(r.ok ? '' : r.problem).toMatch(/ffmpeg is not installed .*apt install ffmpeg/);
  });

  it('says when ffmpeg has no SRT', async () => {
    const { dir, cleanup } = makeTempDir('rigmap-ffmpeg-');
    try {
      const bin = join(dir, 'ffmpeg');
      writeFileSync(bin, '#!/bin/sh\nprintf "Supported file protocols:\\nInput:\\n  file\\n  http\\nOutput:\\n  file\\n"\n');
      chmodSync(bin, 0o755);
      const r = await checkFfmpeg(bin);
      expect(r.ok ? '' : r.problem).toMatch(/built without SRT \(libsrt\)/);
    } finally {
      cleanup();
    }
  });

  it('finds the installed ffmpeg with SRT', async () => {
    expect(await checkFfmpeg(process.env.RIGMAP_FFMPEG || 'ffmpeg')).toMatchObject({ ok: true, version: expect.any(String) });
  });
});

describe('the preview destination XML', () => {
  it('is what the phone stores as "rigmap preview SRT", with the listener URL escaped', () => {
    const p = parsePlatformXml(previewPlatformXml('srt://127.0.0.1:9000?a=1&b=2'));
    expect(p?.name).toBe(PREVIEW_PLATFORM);
    expect(p?.servers).toEqual([{ name: 'rigmap', url: 'srt://127.0.0.1:9000?a=1&b=2' }]);
    expect(p?.profiles).toEqual(['720p preview']);
    expect(parsePlatformXml('<html>no</html>')).toBeNull();
  });
});
