/**
 * Reading and writing `multipart/x-mixed-replace` JPEG streams (contract v1.1
 * live preview). The bytes come from a node and are hostile: the boundary,
 * each part's header block and each frame are capped, and anything that does
 * not follow the format ends the stream with a message a crew member reads.
 */
import { RigmapError } from '../errors.ts';

/** Caps on what a node's preview may send. */
export const MJPEG_LIMITS = { maxFrameBytes: 2 * 1024 * 1024, maxHeaderBytes: 4096, maxBoundary: 70 };

/** The boundary of a `multipart/x-mixed-replace` content type, or null when it is not one. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/x-mixed-replace\s*;/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2] ?? '';
  // RFC 2046 boundary characters; some servers repeat the leading dashes in the header.
  const clean = b.replace(/^--/, '');
  return clean.length > 0 && clean.length <= MJPEG_LIMITS.maxBoundary && /^[0-9A-Za-z'()+_,.\/:=? -]+$/.test(clean) ? clean : null;
}

/** One part as rigmap sends it to viewers: its own boundary, JPEG headers, the bytes. */
export function encodePart(boundary: string, jpeg: Uint8Array): Buffer {
  const head = Buffer.from(`--${boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`, 'latin1');
  return Buffer.concat([head, jpeg, Buffer.from('\r\n', 'latin1')]);
}

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

/**
 * A push parser: feed it the node's bytes, it calls `onFrame` with each JPEG.
 * Parts with a Content-Length are cut by it; parts without one end at the next
 * boundary. Memory held is at most one frame plus one header block.
 */
export class MjpegParser {
  private buf: Buffer = Buffer.alloc(0);
  private readonly marker: Buffer;
  /** Bytes of the current part's body still expected, or null while reading headers. */
  private need: number | null = null;
  private inPart = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Whether the part being read is wanted (asked of `admit` when its headers are read). */
  private admitted = true;
  /** Frames handed to `onFrame`, and parts skipped because `admit` said no. */
  parsed = 0;
  skipped = 0;

  /**
   * `admit` is asked once per part, before its body is copied or checked: a part
   * it refuses is skipped (a node sending more frames than rigmap takes).
   */
  constructor(private readonly boundary: string, private readonly onFrame: (jpeg: Buffer) => void, private readonly limits = MJPEG_LIMITS, private readonly admit: () => boolean = () => true) {
    this.marker = Buffer.from(`--${boundary}`, 'latin1');
  }

  /** Feed bytes; throws RigmapError('upstream_failed') when the stream breaks the format or a cap. */
  push(chunk: Buffer): void {
    // A frame body still short of its length: keep the chunks, join once when it is whole.
    if (this.inPart && this.need !== null && this.buf.length + this.pendingBytes + chunk.length < this.need) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return;
    }
    const parts = this.buf.length ? [this.buf, ...this.pending, chunk] : [...this.pending, chunk];
    this.pending = [];
    this.pendingBytes = 0;
    this.buf = parts.length === 1 ? chunk : Buffer.concat(parts);
    for (;;) {
      if (!this.inPart) {
        const at = this.buf.indexOf(this.marker);
        if (at < 0) {
          if (this.buf.length > this.limits.maxHeaderBytes) throw fail('no frame boundary in the first bytes of the stream', 'no_boundary');
          return;
        }
        const end = this.buf.indexOf(CRLF2, at);
        if (end < 0) {
          if (this.buf.length - at > this.limits.maxHeaderBytes) throw fail(`a frame's headers are over ${this.limits.maxHeaderBytes} bytes`, 'headers_too_long');
          return;
        }
        const headers = this.buf.subarray(at + this.marker.length, end).toString('latin1');
        if (end - at > this.limits.maxHeaderBytes) throw fail(`a frame's headers are over ${this.limits.maxHeaderBytes} bytes`, 'headers_too_long');
        const type = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim().toLowerCase();
        if (type && type !== 'image/jpeg') throw fail(`a frame is ${type.slice(0, 40)}, not image/jpeg`, 'not_jpeg_part');
        const len = /\r\ncontent-length:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim();
        if (len !== undefined) {
          if (!/^\d{1,9}$/.test(len)) throw fail('a frame has a Content-Length that is not a number', 'bad_length');
          this.need = Number(len);
          if (this.need > this.limits.maxFrameBytes) throw fail(`a frame of ${this.need} bytes is over the ${this.limits.maxFrameBytes}-byte limit`, 'frame_too_big');
        } else this.need = null;
        this.buf = this.buf.subarray(end + 4);
        this.inPart = true;
        this.admitted = this.admit();
      }
      let frame: Buffer;
      if (this.need !== null) {
        if (this.buf.length < this.need) return;
        frame = this.buf.subarray(0, this.need);
        this.buf = this.buf.subarray(this.need);
      } else {
        const next = this.buf.indexOf(Buffer.from(`\r\n--${this.boundary}`, 'latin1'));
        if (next < 0) {
          if (this.buf.length > this.limits.maxFrameBytes) throw fail(`a frame is over the ${this.limits.maxFrameBytes}-byte limit`, 'frame_too_big');
          return;
        }
        frame = this.buf.subarray(0, next);
        this.buf = this.buf.subarray(next + 2);
      }
      this.inPart = false;
      this.need = null;
      if (!this.admitted) this.skipped++;
      else {
        if (frame.length < 4 || frame[0] !== 0xff || frame[1] !== 0xd8) throw fail('a frame is not a JPEG', 'not_jpeg');
        this.parsed++;
        // Copy out: the frame outlives this buffer, which would otherwise pin every chunk.
        this.onFrame(Buffer.from(frame));
      }
      if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    }
  }
}

/** `details.cause` names the kind of breakage (the hub logs each device's causes once). */
const fail = (why: string, cause: string) => new RigmapError('upstream_failed', `the node's live preview is broken: ${why}`, { cause });
