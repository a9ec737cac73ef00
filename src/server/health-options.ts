/** Config → the options of live health (probes, alerts, history). */
import type { HealthOptions } from '../topology/health-service.ts';
import { parseProbeScope } from '../topology/probes/scope.ts';
import type { Config } from './config.ts';

/** Map the flat settings onto the engine, alerting and history options. */
export function healthOptionsFromConfig(config: Config): HealthOptions {
  return {
    probes: {
      scope: parseProbeScope(config.probeCidrs),
      intervalMs: config.probeIntervalMs,
      heartbeatFactor: config.heartbeatFactor,
      heartbeatMs: config.heartbeatMs,
      failuresToDown: config.failuresToDown,
      successesToUp: config.successesToUp,
      flapThreshold: config.flapThreshold,
      flapWindowMs: config.flapWindowSec * 1000,
    },
    alerts: {
      holdMs: config.alertHoldMs,
      foldWindowMs: config.alertFoldWindowMs,
      upstreamProbeTimeoutMs: config.upstreamProbeTimeoutMs,
      settleMs: config.alertSettleMs,
      neverSeenAfterMs: config.neverSeenAfterSec * 1000,
      batteryLow: config.batteryLow,
      storageLow: config.storageLow,
    },
    shoot: { clockOffsetMs: config.clockOffsetMs, runwayMinutes: config.runwayMinutes },
    retentionDays: config.retentionDays,
    minuteHours: config.historyMinuteHours,
    alertmanagerResendMs: config.alertmanagerResendSec * 1000,
  };
}
