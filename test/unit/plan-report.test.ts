import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { jsonPieces, writeJson } from '../../src/cli/json-stream.js';
import { formatPlanReport, MAX_ROWS_PER_SECTION } from '../../src/cli/plan-report.js';
import type { SyncResult } from '../../src/run/run-sync.js';
import { summarize } from '../../src/run/summary.js';
import type { Membership, NewUser, SyncPlan, UserChange, UserFields } from '../../src/sync/types.js';
import { emptyPlan } from '../../src/sync/plan.js';
import { PlannedMembers } from '../../src/sync/planned-members.js';

const FIELDS: UserFields = { username: 'u', email: 'u@x', firstName: '', lastName: '', displayName: 'u', isAdmin: false, emailVerified: true, disabled: false };

function newUser(name: string, extra: Partial<NewUser> = {}): NewUser {
  return { ...FIELDS, username: name, email: `${name}@x`, id: `id-${name}`, ldapId: `l-${name}`, dn: `uid=${name},dc=x`, ...extra };
}

function change(name: string, before: Partial<UserFields>, after: Partial<UserFields>): UserChange {
  const b = { ...FIELDS, username: name, ...before };
  const a = { ...FIELDS, username: name, ...after };
  return { id: `id-${name}`, dn: `uid=${name},dc=x`, before: b, after: a, changed: (Object.keys(b) as (keyof UserFields)[]).filter((k) => b[k] !== a[k]) };
}

function result(plan: SyncPlan): SyncResult {
  return { dryRun: true, guard: null, reEnableGuard: null, plan, summary: summarize(plan), mode: 'full', entriesRead: { users: 0, groups: 0, total: 0 }, timings: { readMs: 0, planMs: 0, applyMs: 0 } };
}

/** "Users to disable (3)" → 3 */
const heading = (report: string, title: string) => Number(new RegExp(`^${title} \\((\\d+)\\)$`, 'm').exec(report)?.[1]);
const summaryCount = (report: string, line: string, what: string) => Number(new RegExp(`^${line}: .*?(\\d+) ${what}`, 'm').exec(report)?.[1]);

test('plan report: a user created disabled says so, in its row and in the summary', () => {
  const plan = emptyPlan();
  plan.users.create.push(newUser('locked', { disabled: true }), newUser('boss', { isAdmin: true }));
  const report = formatPlanReport(result(plan));
  assert.match(report, /^ {2}locked +locked@x +disabled +uid=locked,dc=x$/m);
  assert.match(report, /^ {2}boss +boss@x +admin +uid=boss,dc=x$/m);
  assert.match(report, /^Users: 2 created \(1 of them disabled\), /m);
});

test('plan report: each heading counts what the summary counts (disable, re-enable, update)', () => {
  const plan = emptyPlan();
  plan.users.disable.push({ id: 'g', username: 'gone', ldapId: 'l-gone' });
  plan.users.update.push(
    change('locked', {}, { disabled: true }),
    change('lockedrenamed', { email: 'old@x' }, { email: 'new@x', disabled: true }),
    change('back', { disabled: true }, {}),
    change('renamed', { displayName: 'old' }, { displayName: 'new' }),
  );
  const report = formatPlanReport(result(plan));
  assert.equal(heading(report, 'Users to disable'), 3);
  assert.equal(summaryCount(report, 'Users', 'disabled'), 3);
  assert.equal(heading(report, 'Users to re-enable'), 1);
  assert.equal(summaryCount(report, 'Users', 're-enabled'), 1);
  assert.equal(heading(report, 'Users to update'), 2);
  assert.equal(summaryCount(report, 'Users', 'updated'), 2);
  assert.match(report, /^ {2}locked +disabled in the directory +uid=locked,dc=x$/m);
  assert.match(report, /^ {2}gone +gone from the directory +ldap_id l-gone$/m);
  assert.doesNotMatch(report, /disabled: false → true/, 'the disabled flag is listed under disable, not as an update');
});

test('plan report: the Skipped heading equals users + groups + member values skipped in the summary', () => {
  const plan = emptyPlan();
  plan.skips.push(
    { kind: 'user', dn: 'uid=a', reason: 'missing-email', message: 'm' },
    { kind: 'group', dn: 'cn=g', reason: 'group-name-too-short', message: 'm' },
    { kind: 'member', dn: 'cn=g', reason: 'member-skipped', message: 'm' },
    { kind: 'member', dn: 'cn=g', reason: 'member-is-group', message: 'm' },
  );
  const report = formatPlanReport(result(plan));
  const total = summaryCount(report, 'Users', 'skipped') + summaryCount(report, 'Groups', 'skipped') + summaryCount(report, 'Memberships', 'member values skipped');
  assert.equal(heading(report, 'Skipped'), 4);
  assert.equal(total, 4);
});

test('plan report: both guards are shown when they object', () => {
  const report = formatPlanReport({ ...result(emptyPlan()), guard: { message: 'too many gone' }, reEnableGuard: { message: 'too many back' } });
  assert.match(report, /^DELETION GUARD: a real run would be refused: too many gone$/m);
  assert.match(report, /^RE-ENABLE GUARD: a real run would be refused: too many back$/m);
});

test('plan report: a plan of 1.25 million rows is summarised in text and complete in JSON', async () => {
  const ROWS = 1_250_000;
  const plan = emptyPlan();
  const add: Membership[] = new Array(ROWS);
  for (let i = 0; i < ROWS; i++) add[i] = { groupId: 'g', userId: `u${i}`, groupName: 'all', username: `u${i}` };
  plan.memberships.add = add;
  const report = formatPlanReport(result(plan));
  assert.equal(heading(report, 'Memberships to add'), ROWS);
  assert.match(report, new RegExp(`^ {2}… and ${ROWS - MAX_ROWS_PER_SECTION} more \\(all of them: sync --dry-run --json\\)$`, 'm'));
  assert.ok(report.length < 100_000, `the text report stays small (${report.length} characters)`);

  let bytes = 0;
  let lines = 0;
  let tail = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
      tail = (tail + chunk.toString('utf8')).slice(-200);
      done();
    },
  });
  await writeJson(result(plan), sink);
  assert.ok(lines > ROWS * 6, `every membership is written, one field per line (${lines} lines, ${bytes} bytes)`);
  assert.match(tail, /"applyMs": 0\n {2}}\n}\n$/);
});

test('json stream: the same text as JSON.stringify(value, null, 2)', () => {
  const value = {
    a: [],
    b: {},
    c: [1, 'two', null, undefined, { d: undefined, e: new Date(0), f: [[]] }],
    g: undefined,
    h: 'quote " and \\ and \n',
    i: true,
    j: { k: { l: [0.5, -1] } },
  };
  assert.equal([...jsonPieces(value)].join(''), JSON.stringify(value, null, 2));
  assert.equal([...jsonPieces([])].join(''), '[]');
  assert.equal([...jsonPieces('x')].join(''), '"x"');
});

test("json: the plan's group members kept for the next incremental run are not printed", () => {
  const plan: SyncPlan = { ...emptyPlan(), groupMembers: new PlannedMembers([['g-1', ['alice']]]) };
  const text = [...jsonPieces(result(plan))].join('');
  assert.equal(text, JSON.stringify(result(plan), null, 2));
  assert.doesNotMatch(text, /groupMembers/);
  assert.match(text, /"managed"/);
});
