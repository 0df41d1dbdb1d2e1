import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { formatDuration } from '../log/duration.js';
import { HealthState } from './health.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { DatabaseHandle, describeDatabase } from './database-handle.js';
import { errorMessage } from '../log/error-message.js';
import { JOB_NAME, runJob, type JobOutcome } from './job.js';
import { SyncMetrics } from './metrics.js';
import { makeRedactor, secretsOf } from './redact.js';
import { parseSchedule } from '../config/schedule.js';
import { longestGapSeconds } from './schedule-interval.js';
import { SyncScheduler } from './scheduler.js';
import { onSigusr1, runRequester } from './trigger.js';
import { packageVersion } from './version.js';

export interface DaemonResult {
  exitCode: number;
  /** True when a run was abandoned at shutdown: a database connection may still be open, so the caller must exit the process. */
  abandoned: boolean;
}

/** The warning DESIGN §3 asks for: without UI_CONFIG_DISABLED=true, Pocket ID could be set up to sync by itself. */
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

/**
 * The daemon (`run`): a banner, a sync at start and then on the schedule
 * (never overlapping, failed runs retried with backoff), /healthz, /readyz and
 * /metrics over HTTP, until SIGTERM or SIGINT. Then it stops scheduling, lets a
 * running sync finish for up to LDAP_SYNC_SHUTDOWN_TIMEOUT (a second signal
 * cuts that short), closes the HTTP server and the database, and returns 0.
 * `log` should already mask secrets (redactingLogger).
 */
export async function runDaemon(config: Config, log: Logger): Promise<DaemonResult> {
  const signals = waitForSignal();
  const schedule = parseSchedule(config.service.schedule, new Date());
  const service = config.service;
  const version = packageVersion();
  log.info('Starting pocket-id-ldap-sync', {
    version,
    database: await describeDatabase(config.database),
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
  let http: RunningHttpServer | undefined;
  if (service.httpPort !== 0) {
    try {
      http = await startHttpServer(service.httpPort, service.httpAddress, {
        readiness: () => health.readiness(),
        metrics: () => metrics.metrics(),
        metricsContentType: metrics.contentType,
        ...(service.triggerToken !== '' ? { sync: { token: service.triggerToken, request: () => requestRun('POST /sync') } } : {}),
      });
      log.info('HTTP server listening', { address: http.address, endpoints: `/healthz,/readyz,/metrics${service.triggerToken !== '' ? ',POST /sync' : ''}` });
    } catch (error) {
      log.error('Cannot start the HTTP server', { address: service.httpAddress || '(all interfaces)', port: service.httpPort, error: errorMessage(error) });
      signals.dispose();
      stopSigusr1();
      return { exitCode: 1, abandoned: false };
    }
  } else {
    log.info('HTTP server disabled (LDAP_SYNC_HTTP_PORT=0)');
  }

  const database = new DatabaseHandle(config.database);
  if (config.enabled) {
    const job = async (jobId?: string): Promise<JobOutcome> => {
      const outcome = await runJob({ config, log, database, ...(jobId ? { jobId } : {}) });
      const finishedAt = new Date();
      metrics.record(outcome, finishedAt);
      health.record(outcome, finishedAt);
      return outcome;
    };
    scheduler = new SyncScheduler(job, schedule, { initialMs: service.retryDelayMs, maxMs: service.retryMaxDelayMs }, log);
    log.info('Starting job scheduler', { name: JOB_NAME, schedule: schedule.text });
    scheduler.start();
  } else {
    log.warn('LDAP sync is disabled (LDAP_ENABLED is not true): the daemon idles and syncs nothing until it is restarted with LDAP_ENABLED=true');
  }

  const signal = await signals.first;
  log.info('Shutting down', { signal });
  health.shuttingDown();
  scheduler?.stop();
  let abandoned = false;
  const running = scheduler?.current;
  if (running) {
    log.info('Waiting for the running sync to finish', { timeout: formatDuration(service.shutdownTimeoutMs) });
    const timeout = delay(service.shutdownTimeoutMs);
    abandoned = await Promise.race([
      running.then(() => false),
      timeout.promise.then(() => true),
      signals.second.then(() => true),
    ]);
    timeout.cancel();
    if (abandoned) {
      log.warn('Exiting without waiting for the running sync: nothing of it is committed, and the database rolls back its open transaction when the connection closes');
    }
  }
  signals.dispose();
  stopSigusr1();
  await http?.close();
  // An abandoned run still holds its connection: closing the pool would wait for it.
  if (!abandoned) await database.close();
  log.info('Stopped', { signal });
  return { exitCode: 0, abandoned };
}
