import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { formatDuration } from '../log/duration.js';
import { HealthState } from './health.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { describeDatabase } from '../db/open-database.js';
import { DatabaseHandle } from './database-handle.js';
import { errorMessage } from '../log/error-message.js';
import { collectAfterRun, restoreRunGrowth } from './idle-collect.js';
import { JOB_NAME, runJob, type JobOutcome } from './job.js';
import { SyncMetrics } from './metrics.js';
import { makeRedactor, secretsOf } from './redact.js';
import { parseSchedule } from '../config/schedule.js';
import { longestGapSeconds } from './schedule-interval.js';
import { SyncScheduler } from './scheduler.js';
import { onSigusr1, runRequester, type RunRequestResult, type TriggerSource } from './trigger.js';
import { packageVersion } from './version.js';
import type { SyncRun } from '../run/run-sync.js';

export interface DaemonResult {
  exitCode: number;
  /** True when a run was abandoned at shutdown: a database connection may still be open, so the caller must exit the process. */
  abandoned: boolean;
}

/** Without UI_CONFIG_DISABLED=true Pocket ID takes its LDAP settings from the admin UI, where its own sync can be turned on. */
export function warnAboutUiConfig(config: Config, log: Logger): void {
  if (config.uiConfigDisabled) return;
  log.warn(
    'UI_CONFIG_DISABLED is not true: Pocket ID then ignores its LDAP_* environment and takes its configuration from the admin UI, where its built-in LDAP sync can be turned on and fight this daemon; set UI_CONFIG_DISABLED=true for Pocket ID and here',
  );
}

function waitForSignal(): { first: Promise<NodeJS.Signals>; second: Promise<NodeJS.Signals>; dispose(): void } {
  let count = 0;
  let resolveFirst: (signal: NodeJS.Signals) => void = () => undefined;
  let resolveSecond: (signal: NodeJS.Signals) => void = () => undefined;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const second = new Promise<NodeJS.Signals>((resolve) => (resolveSecond = resolve));
  const handler = (signal: NodeJS.Signals) => {
    count += 1;
    if (count === 1) resolveFirst(signal);
    else resolveSecond(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    first,
    second,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}

type HttpStart = { ok: true; server: RunningHttpServer | undefined } | { ok: false };

/** /healthz, /readyz and /metrics (and POST /sync with LDAP_SYNC_TRIGGER_TOKEN), unless LDAP_SYNC_HTTP_PORT=0. */
async function startHttp(
  service: Config['service'],
  health: HealthState,
  metrics: SyncMetrics,
  requestRun: (source: TriggerSource) => RunRequestResult,
  log: Logger,
): Promise<HttpStart> {
  if (service.httpPort === 0) {
    log.info('HTTP server disabled (LDAP_SYNC_HTTP_PORT=0)');
    return { ok: true, server: undefined };
  }
  try {
    const server = await startHttpServer(service.httpPort, service.httpAddress, {
      readiness: () => health.readiness(),
      metrics: () => metrics.metrics(),
      metricsContentType: metrics.contentType,
      ...(service.triggerToken !== '' ? { sync: { token: service.triggerToken, request: () => requestRun('POST /sync') } } : {}),
    });
    log.info('HTTP server listening', { address: server.address, endpoints: `/healthz,/readyz,/metrics${service.triggerToken !== '' ? ',POST /sync' : ''}` });
    return { ok: true, server };
  } catch (error) {
    log.error('Cannot start the HTTP server', { address: service.httpAddress || '(all interfaces)', port: service.httpPort, error: errorMessage(error) });
    return { ok: false };
  }
}

/**
 * Lets a running sync finish for up to LDAP_SYNC_SHUTDOWN_TIMEOUT (a second
 * signal cuts that short). Returns true when the run was abandoned.
 */
async function waitForRunningSync(running: Promise<unknown> | undefined, timeoutMs: number, secondSignal: Promise<unknown>, log: Logger): Promise<boolean> {
  if (!running) return false;
  log.info('Waiting for the running sync to finish', { timeout: formatDuration(timeoutMs) });
  const timeout = delay(timeoutMs);
  const abandoned = await Promise.race([running.then(() => false), timeout.promise.then(() => true), secondSignal.then(() => true)]);
  timeout.cancel();
  if (abandoned) {
    log.warn('Exiting without waiting for the running sync: nothing of it is committed, and the database rolls back its open transaction when the connection closes');
  }
  return abandoned;
}

/**
 * The daemon (`run`): a banner, a sync at start and then on the schedule
 * (never overlapping, failed runs retried with backoff), /healthz, /readyz and
 * /metrics over HTTP, until SIGTERM or SIGINT. Then it stops scheduling, lets a
 * running sync finish for up to LDAP_SYNC_SHUTDOWN_TIMEOUT (a second signal
 * cuts that short), closes the HTTP server and the database, and returns 0.
 * `log` should already mask secrets (redactingLogger); `sync` is the run with
 * its settings bound (syncRunWith).
 */
export async function runDaemon(config: Config, log: Logger, sync: SyncRun): Promise<DaemonResult> {
  const signals = waitForSignal();
  const schedule = parseSchedule(config.service.schedule, new Date());
  const version = packageVersion();
  log.info('Starting pocket-id-ldap-sync', {
    version,
    database: describeDatabase(config.database),
    ldapUrl: config.ldap.url || '(unset)',
    ldapBase: config.ldap.base || '(unset)',
    schedule: schedule.text,
    enabled: config.enabled,
  });
  warnAboutUiConfig(config, log);

  // Before anything slow: from here on SIGUSR1 asks for a run and never opens Node's debugger.
  let scheduler: SyncScheduler | undefined;
  const requestRun = runRequester(() => scheduler, log);
  const stopSigusr1 = onSigusr1(requestRun);

  const metrics = new SyncMetrics(version);
  metrics.setScheduleInterval(config.enabled ? longestGapSeconds(schedule, new Date()) : 0);
  const health = new HealthState(schedule, config.enabled, makeRedactor(secretsOf(config)));
  const http = await startHttp(config.service, health, metrics, requestRun, log);
  if (!http.ok) {
    signals.dispose();
    stopSigusr1();
    return { exitCode: 1, abandoned: false };
  }

  const database = new DatabaseHandle(config.database);
  if (config.enabled) {
    // A requested run (SIGUSR1, POST /sync) is someone waiting for an offboarding: an incremental one also scans every id, so a deletion counts too.
    const job = async (jobId?: string, requested = false): Promise<JobOutcome> => {
      const outcome = await runJob({ log, jsonLog: config.log.json, database, sync, ...(jobId ? { jobId } : {}) }, { beforeFullRead: restoreRunGrowth, ...(requested ? { deletionScan: 'always' } : {}) });
      const finishedAt = new Date();
      metrics.record(outcome, finishedAt);
      health.record(outcome, finishedAt);
      // The run's garbage is collected now, while the daemon idles, and not by the next run (idle-collect.ts).
      const collectMs = collectAfterRun();
      if (collectMs !== null) log.debug('Collected the run\'s garbage', { ms: Math.round(collectMs) });
      return outcome;
    };
    scheduler = new SyncScheduler(job, schedule, { initialMs: config.service.retryDelayMs, maxMs: config.service.retryMaxDelayMs }, log);
    log.info('Starting job scheduler', { name: JOB_NAME, schedule: schedule.text });
    scheduler.start();
  } else {
    log.warn('LDAP sync is disabled (LDAP_ENABLED is not true): the daemon idles and syncs nothing until it is restarted with LDAP_ENABLED=true');
  }

  const signal = await signals.first;
  log.info('Shutting down', { signal });
  health.shuttingDown();
  scheduler?.stop();
  const abandoned = await waitForRunningSync(scheduler?.current, config.service.shutdownTimeoutMs, signals.second, log);
  signals.dispose();
  stopSigusr1();
  await http.server?.close();
  // An abandoned run still holds its connection: closing the pool would wait for it.
  if (!abandoned) await database.close();
  log.info('Stopped', { signal });
  return { exitCode: 0, abandoned };
}
