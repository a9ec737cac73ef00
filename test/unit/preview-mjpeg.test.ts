/**
 * The live preview's multipart reader: frames with and without Content-Length,
 * split anywhere across chunks; and every cap on a node's hostile bytes (boundary,
 * header block, frame size, content type, JPEG magic).
 */
import { describe, expect, it } from 'vitest';
import { boundaryOf, encodePart, MjpegParser } from '../../src/topology/preview/mjpeg.ts';

const jpg = (n: number, fill = 1) => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(n - 2, fill)]);

describe('live preview multipart reader', () => {
  it('reads the boundary of a multipart/x-mixed-replace content type only', () => {
    expect(boundaryOf('multipart/x-mixed-replace; boundary=rigmap-frame')).toBe('rigmap-frame');
    expect(boundaryOf('multipart/x-mixed-replace;boundary="--quoted frame"')).toBe('quoted frame');
    expect(boundaryOf('image/jpeg')).toBeNull();
    expect(boundaryOf('multipart/x-mixed-replace; boundary=')).toBeNull();
    expect(boundaryOf(`multipart/x-mixed-replace; boundary=${'a'.repeat(71)}`)).toBeNull();
    expect(boundaryOf('multipart/x-mixed-replace; boundary=a\u0000b')).toBeNull();
  });

  it('splits frames with Content-Length and without, fed one byte at a time', () => {
    const a = jpg(50, 1);
    const b = jpg(70, 2);
    const stream = Buffer.concat([encodePart('b', a), Buffer.from('--b\r\nContent-Type: image/jpeg\r\n\r\n'), b, Buffer.from('\r\n--b\r\n')]);
    const got: Buffer[] = [];
    const p = new MjpegParser('b', (f) => got.push(f));
    for (const byte of stream) p.push(Buffer.from([byte]));
    expect(got).toEqual([a, b]);
  });

  it('refuses what breaks a cap or the format', () => {
    const limits = { maxFrameBytes: 1000, maxHeaderBytes: 200, maxBoundary: 70 };
    const feed = (bytes: Buffer) => () => new MjpegParser('b', () => undefined, limits).push(bytes);
    expect(feed(Buffer.from(`--b\r\nContent-Length: 1001\r\n\r\n`))).toThrow(/over the 1000-byte limit/);
    expect(feed(Buffer.concat([Buffer.from('--b\r\n\r\n'), jpg(1200)]))).toThrow(/over the 1000-byte limit/);
    expect(feed(Buffer.from(`--b\r\nX-Junk: ${'x'.repeat(300)}`))).toThrow(/headers are over 200 bytes/);
    expect(feed(Buffer.alloc(300, 0x41))).toThrow(/no frame boundary/);
    expect(feed(Buffer.from('--b\r\nContent-Type: text/html\r\nContent-Length: 4\r\n\r\nabcd'))).toThrow(/not image\/jpeg/);
    expect(feed(Buffer.from('--b\r\nContent-Length: 4\r\n\r\nabcd'))).toThrow(/not a JPEG/);
    expect(feed(Buffer.from('--b\r\nContent-Length: -4\r\n\r\n'))).toThrow(/not a number/);
  });
});
