import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { parseGoDuration, parseSchedule } from '../../src/config/schedule.js';

const at = (iso: string) => new Date(iso);

test('Go durations: h, m, s, ms and their combinations', () => {
  assert.equal(parseGoDuration('1h'), 3_600_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('90s'), 90_000);
  assert.equal(parseGoDuration('1.5m'), 90_000);
  assert.equal(parseGoDuration('250ms'), 250);
  for (const bad of ['', '1', 'h', '1d', '-1h', '1 h', '1h ms']) assert.throws(() => parseGoDuration(bad), Error, bad);
});

test('@every counts from its anchor (the daemon start), like Pocket ID\'s hourly job', () => {
  const start = at('2026-01-01T10:17:05Z');
  const schedule = parseSchedule('@every 1h', start);
  assert.equal(schedule.text, '@every 1h');
  assert.deepEqual(schedule.next(start), at('2026-01-01T11:17:05Z'));
  assert.deepEqual(schedule.next(at('2026-01-01T11:17:04.999Z')), at('2026-01-01T11:17:05Z'));
  assert.deepEqual(schedule.next(at('2026-01-01T11:17:05Z')), at('2026-01-01T12:17:05Z'), 'strictly after');
  assert.deepEqual(schedule.next(at('2026-01-01T15:00:00Z')), at('2026-01-01T15:17:05Z'));
  assert.throws(() => parseSchedule('@every 500ms'), /shorter than 1s/);
  assert.throws(() => parseSchedule('@every soon'), /not a duration/);
});

test('cron expressions go through croner, with an optional seconds field', () => {
  const everyTwoSeconds = parseSchedule('*/2 * * * * *');
  assert.deepEqual(everyTwoSeconds.next(at('2026-01-01T10:00:00.500Z')), at('2026-01-01T10:00:02Z'));
  assert.deepEqual(everyTwoSeconds.next(at('2026-01-01T10:00:02Z')), at('2026-01-01T10:00:04Z'), 'strictly after');
  const quarterly = parseSchedule('*/15 * * * *');
  assert.equal(quarterly.next(at('2026-01-01T10:01:00Z'))!.getUTCMinutes(), 15);
  assert.ok(parseSchedule('@hourly').next(new Date()));
  assert.throws(() => parseSchedule('every hour'), /neither "@every <duration>" nor a cron expression/);
  assert.throws(() => parseSchedule('61 * * * *'));
});

test('LDAP_SYNC_SCHEDULE and the other service settings: defaults, validation, empty means default', () => {
  const base = { LDAP_ENABLED: 'false' };
  const defaults = loadConfig(base).service;
  assert.deepEqual(defaults, {
    schedule: '@every 1h',
    retryDelayMs: 30_000,
    retryMaxDelayMs: 600_000,
    httpPort: 9474,
    httpAddress: '',
    shutdownTimeoutMs: 20_000,
    triggerToken: '',
  });
  assert.equal(loadConfig({ ...base, LDAP_SYNC_SCHEDULE: '' }).service.schedule, '@every 1h');
  assert.equal(loadConfig({ ...base, LDAP_SYNC_SCHEDULE: ' 0 3 * * * ' }).service.schedule, '0 3 * * *');
  assert.equal(loadConfig({ ...base, LDAP_SYNC_HTTP_PORT: '0' }).service.httpPort, 0);
  assert.equal(loadConfig({ ...base, LDAP_SYNC_RETRY_DELAY: '900' }).service.retryMaxDelayMs, 900_000, 'the cap is never below the first delay');
  try {
    loadConfig({ ...base, LDAP_SYNC_SCHEDULE: 'sometimes', LDAP_SYNC_HTTP_PORT: '70000', LDAP_SYNC_SHUTDOWN_TIMEOUT: '0' });
    assert.fail('should not load');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), ['LDAP_SYNC_HTTP_PORT', 'LDAP_SYNC_SCHEDULE', 'LDAP_SYNC_SHUTDOWN_TIMEOUT']);
  }
});
