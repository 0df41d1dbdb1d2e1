// The alert rules shipped in the chart (files/prometheus-rules.yaml), checked and unit-tested by the
// real promtool (Debian's prometheus package, installed by scripts/install-test-deps.sh): every
// alert has a case where it fires and one where it stays silent, a summary, a description, and a
// runbook link to a section of docs/alerts.md that exists.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { RULES_FILE } from '../support/monitoring-queries.js';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const RULE_TESTS = path.join(ROOT, 'test', 'alerts', 'prometheus-rules.test.yaml');
const ALERTS_DOC = path.join(ROOT, 'docs', 'alerts.md');
const RUNBOOK_BASE = 'https://github.com/pocket-id-ldap-sync/pocket-id-ldap-sync/blob/main/docs/alerts.md#';

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
}

const rules = (YAML.parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

test('promtool check rules: the rules file is valid', async () => {
  const { code, output } = await promtool(['check', 'rules', RULES_FILE]);
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
});

test('promtool test rules: every case passes', async () => {
  const { code, output } = await promtool(['test', 'rules', RULE_TESTS]);
  assert.equal(code, 0, output);
  assert.match(output, /SUCCESS/);
});

test('every alert has a promtool case where it fires and one where it does not', () => {
  const cases = (YAML.parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: RuleTest[] }).tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of rules) {
    const mine = cases.filter((c) => c.alertname === alert);
    assert.ok(mine.some((c) => c.exp_alerts.length > 0), `${alert}: no case where it fires`);
    assert.ok(mine.some((c) => c.exp_alerts.length === 0), `${alert}: no case where it stays silent`);
  }
  assert.deepEqual(rules.map((r) => r.alert), ['PocketIdLdapSyncFailing', 'PocketIdLdapSyncLastSuccessTooOld', 'PocketIdLdapSyncDeletionGuardTripped', 'PocketIdLdapSyncReenableGuardTripped', 'PocketIdLdapSyncSkipsRising', 'PocketIdLdapSyncDown']);
});

test('every alert has a severity, a summary, a description naming what to look at first, and a runbook section in docs/alerts.md', () => {
  const headings = new Set([...readFileSync(ALERTS_DOC, 'utf8').matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1] as string)));
  for (const rule of rules) {
    assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, rule.alert);
    assert.ok((rule.annotations?.summary ?? '').length > 10, `${rule.alert}: summary`);
    assert.match(rule.annotations?.description ?? '', /Look first at/, `${rule.alert}: description`);
    const runbook = rule.annotations?.runbook_url ?? '';
    assert.ok(runbook.startsWith(RUNBOOK_BASE), `${rule.alert}: runbook_url ${runbook}`);
    assert.ok(headings.has(runbook.slice(RUNBOOK_BASE.length)), `${rule.alert}: docs/alerts.md has no section #${runbook.slice(RUNBOOK_BASE.length)}`);
  }
});
