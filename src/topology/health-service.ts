/**
 * Live health wired together: probe engine, history, alerts, notifier dispatch
 * and metrics, started in that order after the database and stopped in reverse.
 * main.ts and the tests build it the same way.
 */
import { systemClock, type Clock } from './clock.ts';
import type { Ctx } from './context.ts';
import { AlertWriter } from './alerts/alert-writer.ts';
import { AlertManager, type AlertOptions } from './alerts/manager.ts';
import { AlertmanagerResender } from './alerts/notifiers/alertmanager.ts';
import { AlertDispatcher } from './alerts/notifiers/dispatch.ts';
import { listNotifiers } from './alerts/notifiers/store.ts';
import { HistoryRecorder } from './history/recorder.ts';
import { RigMetrics } from './metrics.ts';
import type { SelfAddress } from './relay/self.ts';
import { getRigName } from './rig.ts';
import { ProbeEngine, type ProbeEngineOptions } from './probes/engine.ts';
import type { ProbeRunner, RunnerDeps } from './probes/runner.ts';
import { ShootAlerts, type ShootAlertOptions } from './alerts/shoot.ts';
import { TakeTracker } from './takes/tracker.ts';

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
  /** The dashboard's address, for links back from notices (default: the listening URL, set by main.ts). */
  publicUrl?: () => string;
  /** Where rigmap listens: the notice guard refuses a notifier that is rigmap itself (set by main.ts once listening). */
  self?: () => SelfAddress | undefined;
  /** ms between re-sends of open alerts to Alertmanager notifiers (default 60 s). */
  alertmanagerResendMs?: number;
  /** The one Clock (now and timers) for the engine, runners, history, alerts, shoot rules and re-sender; default the system clock. */
  clock?: Clock;
  /** Which runner probes a target, when not the protocol registry's (a test drives a scripted camera on the fake clock). */
  runnerFor?: (deps: RunnerDeps) => ProbeRunner | null;
  /** Shoot: clock offset and runway limits (alerts/shoot.ts, takes). */
  shoot?: ShootAlertOptions;
}

/** The running health subsystem. */
export interface HealthService {
  engine: ProbeEngine;
  history: HistoryRecorder;
  alerts: AlertManager;
  /** The one writer of alert rows (raise, fold, reword, resolve); rules elsewhere (tailnet) call it too. */
  alertService: AlertWriter;
  dispatcher: AlertDispatcher;
  /** Keeps open alerts alive in Alertmanager. */
  resender: AlertmanagerResender;
  metrics: RigMetrics;
  takes: TakeTracker;
  stop(): Promise<void>;
}

/** Build and start health monitoring on `ctx`. */
export function startHealth({ ctx, options, onError }: { ctx: Ctx; options: HealthOptions; onError?: (err: unknown, what: string) => void }): HealthService {
  const clock = options.clock ?? systemClock;
  const history = new HistoryRecorder({ clock, db: ctx.db, retentionDays: options.retentionDays, minuteHours: options.minuteHours, flushMs: options.rollupFlushMs, onError: (err) => onError?.(err, 'history') });
  let engine: ProbeEngine | null = null;
  const metrics = new RigMetrics({ clock, rig: () => getRigName(ctx.db) });
  // The engine sees every map change (CLI ones too, via data_version): alerts drop cached names and links then.
  let onMap: ((e: { removed: string[] }) => void) | undefined;
  engine = new ProbeEngine({ clock, runnerFor: options.runnerFor, ctx, options: options.probes, onReload: (e) => onMap?.(e) });
  const ready = engine;
  const alertService = new AlertWriter(ctx, { clock });
  const alerts = new AlertManager({ clock, ctx, writer: alertService, options: options.alerts, health: (id) => ready.getDeviceHealth(id), probeNow: (id) => ready.probeNow(id), checkNow: (id, ms) => ready.checkNow(id, ms) });
  const dispatcher = new AlertDispatcher({
    ctx,
    clock,
    baseDelayMs: options.notifyBaseDelayMs,
    publicUrl: options.publicUrl,
    self: options.self,
    onResult: (n, event, r) => {
      if (!r.ok) onError?.(new Error(`notifier ${n.name}: ${event} not delivered after ${r.attempts} attempts: ${r.error}`), 'notify');
    },
  });
  const resender = new AlertmanagerResender({
    ctx, clock, publicUrl: options.publicUrl ?? (() => 'http://localhost:4747'), resendMs: options.alertmanagerResendMs,
    notifiers: () => listNotifiers({ ctx }), onError: (err) => onError?.(err, 'notify'), self: options.self,
  });
  onMap = (e) => alerts.mapReloaded(e);
  const shootOptions = options.shoot ?? { clockOffsetMs: 40, runwayMinutes: 20 };
  const takes = new TakeTracker({ ctx, clock, options: { clockOffsetMs: shootOptions.clockOffsetMs }, health: (id) => ready.getDeviceHealth(id) });
  const shootAlerts = new ShootAlerts({ clock, ctx, writer: alertService, options: shootOptions, shoot: (id) => ready.shootOf(id) });
  // Subscribers of the engine's outcomes, before it starts: history, metrics and the shoot rules take every result from the bus.
  history.subscribe(ctx.bus);
  history.start();
  metrics.subscribe(ctx.bus);
  dispatcher.start();
  resender.start();
  alerts.start();
  takes.start();
  shootAlerts.start();
  engine.start();
  return {
    engine: ready,
    history,
    alerts,
    alertService,
    dispatcher,
    resender,
    metrics,
    takes,
    stop: async () => {
      ready.stop();
      shootAlerts.stop();
      takes.stop();
      alerts.stop();
      await resender.stop();
      await dispatcher.stop();
      metrics.unsubscribe();
      history.stop();
    },
  };
}
