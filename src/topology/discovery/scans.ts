/**
 * Scans started over the API run in the background; the registry keeps their
 * progress (polled by the dashboard) and their abort switch (cancel).
 */
import { systemClock, type Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import { CONTRACT_PORT, defaultScanCidrs, parseScanRange, scanSubnet } from './subnet-scan.ts';

/** One scan as `GET /api/discovery/scans/:id` reports it. */
export interface ScanState {
  id: string;
  cidrs: string[];
  port: number;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  total: number;
  done: number;
  found: number;
  /** Inbox ids of the nodes found so far. */
  discoveredIds: number[];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

/** Keeps the last few scans and runs new ones. */
export class ScanRegistry {
  private readonly scans = new Map<string, { state: ScanState; abort: AbortController; done: Promise<void> }>();
  private seq = 0;

  constructor(private readonly opts: { inScope?: (ip: string) => boolean; keep?: number; concurrency?: number; clock?: Clock } = {}) {}

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  /** Validate and start a scan (default: this machine's LAN ranges); returns at once. */
  start({ ctx, cidr, port, force }: { ctx: Ctx; cidr?: string | string[]; port?: number; force?: boolean }): ScanState {
    const cidrs = cidr === undefined || (Array.isArray(cidr) && cidr.length === 0) ? defaultScanCidrs() : ([] as string[]).concat(cidr);
    if (cidrs.length === 0) throw new RigmapError('validation_failed', 'this machine has no LAN interface to scan; give a range (e.g. 192.168.1.0/24)');
    const ranges = cidrs.map((c) => parseScanRange({ cidr: c, force }));
    const abort = new AbortController();
    const state: ScanState = {
      id: `scan-${++this.seq}-${this.clock.now().toString(36)}`,
      cidrs: ranges.map((r) => r.cidr),
      port: port ?? CONTRACT_PORT,
      state: 'running',
      total: ranges.reduce((n, r) => n + r.size, 0),
      done: 0,
      found: 0,
      discoveredIds: [],
      startedAt: new Date(this.clock.now()).toISOString(),
      finishedAt: null,
      durationMs: null,
      error: null,
    };
    const done = scanSubnet({
      ctx,
      ranges,
      port: state.port,
      concurrency: this.opts.concurrency,
      inScope: this.opts.inScope,
      signal: abort.signal,
      onProgress: (p) => Object.assign(state, p),
    }).then(
      (result) => {
        Object.assign(state, { done: result.done, found: result.found, durationMs: Math.round(result.durationMs) });
        state.discoveredIds = result.discovered.map((d) => d.id);
        state.state = result.cancelled ? 'cancelled' : 'done';
        state.finishedAt = new Date(this.clock.now()).toISOString();
      },
      (err: unknown) => {
        state.state = 'failed';
        state.error = err instanceof Error ? err.message : String(err);
        state.finishedAt = new Date(this.clock.now()).toISOString();
      },
    );
    this.scans.set(state.id, { state, abort, done });
    this.prune();
    return { ...state };
  }

  /** A scan's progress, or `not_found`. */
  get(id: string): ScanState {
    const entry = this.scans.get(id);
    if (!entry) throw new RigmapError('not_found', `no scan with id "${id}" (only the last ${this.opts.keep ?? 20} are kept)`, { id });
    return { ...entry.state, discoveredIds: [...entry.state.discoveredIds] };
  }

  /** Every kept scan, newest first. */
  list(): ScanState[] {
    return [...this.scans.values()].map((e) => ({ ...e.state })).reverse();
  }

  /** Cancel a running scan; resolves once it has stopped. */
  async cancel(id: string): Promise<ScanState> {
    const entry = this.scans.get(id);
    if (!entry) return this.get(id);
    entry.abort.abort();
    await entry.done;
    return this.get(id);
  }

  /** Resolves when the scan has finished (tests, CLI). */
  async wait(id: string): Promise<ScanState> {
    await this.scans.get(id)?.done;
    return this.get(id);
  }

  /** Cancel every running scan (server shutdown). */
  async stopAll(): Promise<void> {
    for (const e of this.scans.values()) e.abort.abort();
    await Promise.all([...this.scans.values()].map((e) => e.done));
  }

  private prune(): void {
    const keep = this.opts.keep ?? 20;
    for (const [id, e] of this.scans) {
      if (this.scans.size <= keep) break;
      if (e.state.state !== 'running') this.scans.delete(id);
    }
  }
}
