// The monitoring files against the real daemon: the built CLI's `run` syncs a real slapd into a
// SQLite database, /metrics is scraped after a good run and after a failing one (slapd stopped),
// and every metric, label and label value that the alert rules and the Grafana dashboard query
// must be in both scrapes. A rule that reads a metric the daemon does not export would never fire.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { dashboardQueries, ruleQueries, type Query } from '../support/monitoring-queries.js';
import { freePort } from '../support/ports.js';
import { promqlRefs } from '../support/promql-refs.js';
import { startFixture, type SyncFixture } from '../support/sync-harness.js';

const MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
/** Labels Prometheus attaches to every series of a target, and the series it makes itself. */
const TARGET_LABELS = new Set(['job', 'instance', 'pod', 'namespace', 'service', 'endpoint', 'container']);
const PROMETHEUS_SERIES = new Set(['up']);

type Series = Record<string, string>;
/** Metric name → the label sets of its samples. */
type Scrape = Map<string, Series[]>;

function parseExposition(text: string): Scrape {
  const scrape: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    assert.ok(match, `unreadable exposition line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    scrape.set(match[1]!, [...(scrape.get(match[1]!) ?? []), labels as Series]);
  }
  return scrape;
}

let fixture: SyncFixture;
let daemon: ChildProcess;
let output = '';
let port = 0;

before(async () => {
  fixture = await startFixture('sqlite');
  port = await freePort();
  daemon = spawn(process.execPath, [MAIN, 'run'], {
    env: { PATH: process.env.PATH ?? '', ...fixture.env, LDAP_SYNC_HTTP_PORT: String(port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1', LDAP_SYNC_SCHEDULE: '@every 2s', LDAP_SYNC_RETRY_DELAY: '1', LDAP_SYNC_RETRY_MAX_DELAY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [daemon.stdout!, daemon.stderr!]) stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
});
after(async () => {
  if (daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
  }
  await fixture.done();
});

/** Scrapes until `ready` holds (the daemon's runs are what is waited for, not a clock). */
async function scrapeWhen(what: string, ready: (text: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assert.equal(daemon.exitCode, null, `the daemon exited:\n${output}`);
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    if (ready(text)) return text;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last scrape:\n${text}\nlog:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const counter = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"=]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** Every problem of one query against one scrape: metrics, matched labels and values, grouping labels. */
function problemsOf(query: Query, scrape: Scrape): string[] {
  const refs = promqlRefs(query.expr);
  const problems: string[] = [];
  const exported = refs.selectors.filter((s) => !PROMETHEUS_SERIES.has(s.metric));
  for (const { metric, matchers } of exported) {
    const series = scrape.get(metric);
    if (!series) {
      problems.push(`${query.where}: ${metric} is not exported`);
      continue;
    }
    for (const m of matchers.filter((x) => !TARGET_LABELS.has(x.label))) {
      if (!series.some((s) => m.label in s)) problems.push(`${query.where}: ${metric} has no label ${m.label}`);
      else if (m.op === '=' && !series.some((s) => s[m.label] === m.value)) problems.push(`${query.where}: no series ${metric}{${m.label}="${m.value}"}`);
    }
  }
  for (const label of refs.groupingLabels.filter((l) => !TARGET_LABELS.has(l))) {
    if (!exported.some(({ metric }) => scrape.get(metric)?.some((s) => label in s))) problems.push(`${query.where}: no queried metric has the label ${label}`);
  }
  return problems;
}

test('every metric, label and label value the alert rules and the dashboard query is exported after a good run and after a failed one', async () => {
  const good = await scrapeWhen('a successful run', (text) => counter(text, 'pocket_id_ldap_sync_runs_total{result="success"}') >= 1);
  await fixture.slapd.stop();
  const failed = await scrapeWhen('a failed run', (text) => counter(text, 'pocket_id_ldap_sync_consecutive_failures') >= 1);
  // The failure is classified by the daemon itself: slapd refused the connection.
  assert.equal(counter(failed, 'pocket_id_ldap_sync_last_failure_reason{reason="ldap_connect"}'), 1, failed);
  assert.ok(counter(failed, 'pocket_id_ldap_sync_run_failures_total{reason="ldap_connect"}') >= 1);
  assert.equal(counter(good, 'pocket_id_ldap_sync_schedule_interval_seconds'), 2);

  const queries = [...ruleQueries(), ...dashboardQueries()];
  const scrapes = { 'after a good run': parseExposition(good), 'after a failed run': parseExposition(failed) };
  const problems = Object.entries(scrapes).flatMap(([when, scrape]) => queries.flatMap((q) => problemsOf(q, scrape).map((p) => `${when}: ${p}`)));
  assert.deepEqual(problems, []);

  const metrics = new Set(queries.flatMap((q) => promqlRefs(q.expr).selectors.map((s) => s.metric)));
  const checked = [...metrics].filter((m) => !PROMETHEUS_SERIES.has(m)).sort();
  assert.ok(checked.length >= 16, checked.join(', '));
  console.log(`# ${queries.length} queries read ${metrics.size} metrics; checked in both scrapes: ${checked.length} (${checked.join(', ')})`);
});
