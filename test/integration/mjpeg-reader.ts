/**
 * Read frames from a live preview answer (multipart/x-mixed-replace JPEG) with
 * rigmap's own parser; bounded in frames and time, the connection is closed after.
 */
import { boundaryOf, MjpegParser } from '../../src/topology/preview/mjpeg.ts';

/** A preview answer being read: take frames in rounds, then close it. */
export interface FrameReader {
  /** Up to `count` more frames, waiting at most `timeoutMs`; fewer when the stream stops or ends. */
  take(count: number, timeoutMs: number): Promise<Buffer[]>;
  close(): Promise<void>;
}

export function frameReader(res: Response): FrameReader {
  const boundary = boundaryOf(res.headers.get('content-type') ?? undefined);
  if (!boundary) throw new Error(`not a multipart preview: ${res.headers.get('content-type')}`);
  const queue: Buffer[] = [];
  const parser = new MjpegParser(boundary, (f) => queue.push(f));
  const reader = res.body!.getReader();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  let done = false;
  return {
    async take(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length < count && !done) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        pending ??= reader.read();
        let timer: NodeJS.Timeout | undefined;
        const next = await Promise.race([pending, new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), left); })]);
        clearTimeout(timer);
        if (next === null) break;
        pending = null;
        if (next.done) done = true;
        else parser.push(Buffer.from(next.value));
      }
      return queue.splice(0, count);
    },
    close: () => reader.cancel().catch(() => undefined),
  };
}

/** Up to `count` frames of `res` within `timeoutMs`, then close it. */
export async function readFrames(res: Response, { count, timeoutMs }: { count: number; timeoutMs: number }): Promise<Buffer[]> {
  const r = frameReader(res);
  try {
    return await r.take(count, timeoutMs);
  } finally {
    await r.close();
  }
}
