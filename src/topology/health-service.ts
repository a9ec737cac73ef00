/**
 * Live health wired together: probe engine, history, alerts, notifier dispatch
 * and metrics, started in that order after the database and stopped in reverse.
 * main.ts and the tests build it the same way.
 */
import type { Ctx } from './context.ts';
import { AlertManager, type AlertOptions } from './alerts/manager.ts';
import { AlertDispatcher } from './alerts/notifiers/dispatch.ts';
import { HistoryRecorder } from './history/recorder.ts';
import { RigMetrics } from './metrics.ts';
import { ProbeEngine, type ProbeEngineOptions } from './probes/engine.ts';

/** Everything health needs from config. */
export interface HealthOptions {
  probes: ProbeEngineOptions;
  alerts: AlertOptions;
  retentionDays: number;
  /** Hours of per-minute rollups kept before compaction to hourly rows (default 48). */
  minuteHours?: number;
  /** Notifier retry base delay (ms); tests shorten it. */
  notifyBaseDelayMs?: number;
  rollupFlushMs?: number;
}

/** The running health subsystem. */
export interface HealthService {
  engine: ProbeEngine;
  history: HistoryRecorder;
  alerts: AlertManager;
  dispatcher: AlertDispatcher;
  metrics: RigMetrics;
  stop(): Promise<void>;
}

/** Build and start health monitoring on `ctx`. */
export function startHealth({ ctx, options, onError }: { ctx: Ctx; options: HealthOptions; onError?: (err: unknown, what: string) => void }): HealthService {
  const history = new HistoryRecorder({ db: ctx.db, retentionDays: options.retentionDays, minuteHours: options.minuteHours, flushMs: options.rollupFlushMs, onError: (err) => onError?.(err, 'history') });
  let engine: ProbeEngine | null = null;
  const metrics = new RigMetrics({ health: () => engine?.allHealth() ?? [] });
  // The engine sees every map change (CLI ones too, via data_version): alerts drop cached names and links then.
  let onMap: ((e: { removed: string[] }) => void) | undefined;
  engine = new ProbeEngine({ ctx, options: options.probes, recorder: history, observer: metrics, onReload: (e) => onMap?.(e) });
  const ready = engine;
  const alerts = new AlertManager({ ctx, options: options.alerts, health: (id) => ready.getDeviceHealth(id), probeNow: (id) => ready.probeNow(id), checkNow: (id, ms) => ready.checkNow(id, ms) });
  const dispatcher = new AlertDispatcher({
    ctx,
    baseDelayMs: options.notifyBaseDelayMs,
    onResult: (n, event, r) => {
      if (!r.ok) onError?.(new Error(`notifier ${n.name}: ${event} not delivered after ${r.attempts} attempts: ${r.error}`), 'notify');
    },
  });
  onMap = (e) => alerts.mapReloaded(e);
  history.start();
  metrics.subscribe(ctx.bus);
  dispatcher.start();
  alerts.start();
  engine.start();
  return {
    engine: ready,
    history,
    alerts,
    dispatcher,
    metrics,
    stop: async () => {
      ready.stop();
      alerts.stop();
      await dispatcher.stop();
      metrics.unsubscribe();
      history.stop();
    },
  };
}
