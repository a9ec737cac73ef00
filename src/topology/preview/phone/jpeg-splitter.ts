/**
 * Cut ffmpeg's `image2pipe` MJPEG output into whole JPEGs. A frame runs from
 * its SOI (FF D8) to its EOI (FF D9): inside the entropy-coded data every FF is
 * stuffed (FF 00) or a restart marker (FF D0-D7), so FF D9 ends the frame. A
 * frame over the cap, or bytes that do not start a JPEG, are dropped rather
 * than held: memory stays at most one frame.
 */

/** Largest frame passed on (a 720p preview JPEG is about 60-150 KB). */
export const MAX_FRAME_BYTES = 1024 * 1024;

export class JpegSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  /** Skipping the rest of an oversized frame, up to its EOI. */
  private skipping = false;
  private carry: Buffer | null = null;
  /** Frames dropped for their size (tests, logs). */
  dropped = 0;

  constructor(private readonly onFrame: (jpeg: Buffer) => void, private readonly maxBytes = MAX_FRAME_BYTES) {}

  push(data: Buffer): void {
    // An FF at the very end of the bytes between frames may be the first half of the next SOI.
    const chunk = this.carry ? Buffer.concat([this.carry, data]) : data;
    this.carry = null;
    let from = 0;
    while (from < chunk.length) {
      if (this.size === 0 && !this.skipping) {
        const soi = findSoi(chunk, from);
        if (soi < 0) {
          if (chunk[chunk.length - 1] === 0xff) this.carry = Buffer.from([0xff]);
          return; // garbage between frames
        }
        from = soi;
      }
      // The EOI may straddle two chunks: look from one byte before this chunk.
      const fresh = this.size === 0 && !this.skipping;
      const eoi = findEoi(chunk, from, fresh ? from + 2 : from + 1, fresh ? -1 : this.lastByte());
      if (eoi < 0) {
        this.keep(chunk.subarray(from));
        return;
      }
      this.keep(chunk.subarray(from, eoi + 1));
      from = eoi + 1;
      if (this.skipping) {
        this.skipping = false;
        this.dropped++;
      } else if (this.size > 0) this.onFrame(Buffer.concat(this.parts, this.size));
      this.parts = [];
      this.size = 0;
    }
  }

  private lastByte(): number {
    const last = this.parts[this.parts.length - 1];
    return last && last.length ? last[last.length - 1]! : -1;
  }

  private keep(b: Buffer): void {
    if (this.skipping) {
      // Only the last byte matters while skipping (an FF before a D9 in the next chunk).
      this.parts = [Buffer.from(b.subarray(-1))];
      return;
    }
    if (this.size + b.length > this.maxBytes) {
      this.skipping = true;
      this.parts = [Buffer.from(b.subarray(-1))];
      this.size = 0;
      return;
    }
    this.parts.push(Buffer.from(b)); // copied: ffmpeg's chunks are reused
    this.size += b.length;
  }
}

function findSoi(b: Buffer, from: number): number {
  for (let i = b.indexOf(0xff, from); i >= 0 && i + 1 < b.length; i = b.indexOf(0xff, i + 1)) if (b[i + 1] === 0xd8) return i;
  return -1;
}

/** Index of the D9 of the first FF D9 whose D9 is at `start` or later (prev: the byte before `from`, -1 for none). */
function findEoi(b: Buffer, from: number, start: number, prev: number): number {
  if (prev === 0xff && b[from] === 0xd9) return from;
  for (let i = b.indexOf(0xd9, start); i >= 0; i = b.indexOf(0xd9, i + 1)) if (b[i - 1] === 0xff) return i;
  return -1;
}
