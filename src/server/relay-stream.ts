/**
 * A node's answer as the web stream the relay hands to the viewer. Pull-based:
 * at most `bufferBytes` wait for a viewer that reads slower than the node
 * sends, then the node's socket is paused (TCP pushes back on the node), so a
 * viewer that never reads costs bounded memory. Cut at `maxBytes`, when
 * nothing moves for `idleMs`, or after `maxMs`. Every cut after the status
 * line was sent is an error (the viewer's connection is aborted, never a
 * truncated answer passed off as complete), except the time limit of an SSE
 * stream, which ends it cleanly: EventSource reconnects, and the stream has
 * no length to be short of.
 */
import type { IncomingMessage } from 'node:http';

/** The limits of one relayed body. */
export interface BodyLimits {
  maxBytes: number;
  idleMs: number;
  maxMs: number;
  /** At `maxMs`: end cleanly (SSE) or abort (anything else). */
  endCleanlyAtMaxMs: boolean;
  bufferBytes: number;
}

/**
 * Stream `res` to the viewer under `limits`; `onEnd` runs once, however it ends.
 * `abortViewer` cuts the viewer's connection directly (the Node server's
 * response); without it the stream errors, which the server turns into the
 * same abort but also logs as a failed request.
 */
export function relayBodyOf(res: IncomingMessage, limits: BodyLimits, onEnd: () => void, abortViewer?: () => void): ReadableStream<Uint8Array> {
  let size = 0;
  let done = false;
  let idle: NodeJS.Timeout | undefined;
  let total: NodeJS.Timeout | undefined;
  const stop = () => {
    if (done) return;
    done = true;
    clearTimeout(idle);
    clearTimeout(total);
    res.destroy();
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (why: string) => {
        if (done) return;
        stop();
        if (abortViewer) abortViewer();
        else controller.error(new Error(why));
      };
      const finish = () => {
        if (done) return;
        stop();
        controller.close();
      };
      const touch = () => {
        clearTimeout(idle);
        // Real time on purpose: it bounds a real node connection and a real viewer, not a rule.
        idle = setTimeout(() => fail('nothing moved on the relayed answer (node quiet, or viewer not reading)'), limits.idleMs);
      };
      // Real time on purpose, as the idle limit above.
      total = setTimeout(() => (limits.endCleanlyAtMaxMs ? finish() : fail('the relayed answer took too long')), limits.maxMs);
      touch();
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > limits.maxBytes) return fail(`answer over ${limits.maxBytes} bytes`);
        touch();
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // The viewer is behind: stop reading the node until it catches up (pull resumes).
        if ((controller.desiredSize ?? 0) <= 0) res.pause();
      });
      res.on('end', () => (res.complete ? finish() : fail('the node closed the connection mid-answer')));
      res.on('aborted', () => fail('the node closed the connection mid-answer'));
      res.on('error', () => fail('the node connection failed'));
      res.on('close', () => (res.complete ? finish() : fail('the node closed the connection mid-answer')));
    },
    pull() {
      if (!done) res.resume();
    },
    cancel: stop,
  }, { highWaterMark: limits.bufferBytes, size: (chunk) => chunk.byteLength });
}
