/** A small SSE client for the simulator tests: raw node:http + eventsource-parser. */
import { request } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseClient {
  events: EventSourceMessage[];
  retry: number | null;
  closed: boolean;
  status: number;
  /** Resolve once `pred` holds for the events so far (polled), or reject after `ms`. */
  waitFor(pred: (events: EventSourceMessage[]) => boolean, ms?: number): Promise<EventSourceMessage[]>;
  close(): void;
}

/** Open `url` as an event stream; resolves once the response headers arrive. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const client: SseClient = {
        events: [],
        retry: null,
        closed: false,
        status: res.statusCode ?? 0,
        waitFor: (pred, ms = 10_000) => poll(() => (pred(client.events) ? client.events : null), ms, () => `events so far: ${client.events.map((e) => e.event).join(',')}`),
        close: () => req.destroy(),
      };
      const parser = createParser({ onEvent: (e) => client.events.push(e), onRetry: (r) => (client.retry = r) });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('close', () => (client.closed = true));
      res.on('error', () => (client.closed = true));
      resolve(client);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Poll `check` every 20 ms until it returns a value; reject after `ms`. */
export async function poll<T>(check: () => T | null | undefined | Promise<T | null | undefined>, ms = 10_000, why: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms ${why()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One GET on a fresh connection (no keep-alive pool, so a refusal is seen as
 * such): "ECONNREFUSED", "timeout" after `timeoutMs`, or "answered <status>".
 */
export function fetchFailure(url: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(`answered ${res.statusCode}`));
    });
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () => {
        req.destroy();
        resolve('timeout');
      });
    }
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}
