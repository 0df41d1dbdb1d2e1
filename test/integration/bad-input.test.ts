// The bad-input corpus (test/fixtures/bad-input.ts) synced once into each
// database: every malformed entry is skipped with exactly its reason, logged
// once, counted, and every good entry lands.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BAD_INPUT_ENV, buildBadInputCorpus, BULK_USERS, type ExpectedSkip } from '../fixtures/bad-input.js';
import { parseJsonLogLines } from '../support/fault-tools.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { syncWith, testEnv, type SyncOutcome } from '../support/sync-harness.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../support/test-database.js';
import type { Skip, SkipReason } from '../../src/sync/types.js';

const corpus = buildBadInputCorpus();

/** One comparable line per skip: what, why, where; member skips also by their exact message. */
const line = (s: { kind: string; reason: string; dn: string }, detail?: string) => `${s.kind} ${s.reason} ${s.dn}${detail === undefined ? '' : ` :: ${detail}`}`;
const actualLine = (s: Skip) => line(s, s.kind === 'member' ? s.message : undefined);
const expectedLine = (s: ExpectedSkip) => line(s, s.detail);

let slapd: SlapdInstance;
before(async () => {
  slapd = await startSlapd({ ldif: corpus.ldif });
});
after(stopAllSlapd);

test('bad input: the corpus holds at least 40 malformed entries, each with one expected skip', () => {
  assert.ok(corpus.malformedEntries >= 40, `${corpus.malformedEntries} malformed entries`);
  const entryDns = corpus.skips.filter((s) => s.kind !== 'member').map((s) => s.dn);
  assert.equal(new Set(entryDns).size, corpus.malformedEntries, 'one skip per malformed entry');
  assert.equal(corpus.goodUsers.size, BULK_USERS + 12);
});

for (const kind of DB_KINDS) {
  describe(`bad input into ${kind}`, () => {
    let db: TestDatabase;
    let outcome: SyncOutcome;
    let env: Record<string, string>;
    before(async () => {
      db = await createTestDatabase(kind);
      env = { ...testEnv(slapd, db), ...BAD_INPUT_ENV };
      outcome = await syncWith(env, {}, { json: true });
    });
    after(async () => {
      await db?.close();
    });

    test(`bad input ${kind}: the run succeeds despite every malformed entry`, () => {
      assert.ifError(outcome.error);
      assert.equal(outcome.result!.entriesRead.users, corpus.goodUsers.size + corpus.skips.filter((s) => s.kind === 'user').length);
    });

    test(`bad input ${kind}: every malformed entry is skipped with exactly its reason (plan.skips)`, () => {
      const skips = outcome.result!.plan.skips;
      assert.deepEqual(
        skips.filter((s) => s.kind !== 'member').map(actualLine).sort(),
        corpus.skips.filter((s) => s.kind !== 'member').map(expectedLine).sort(),
      );
      assert.deepEqual(
        skips.filter((s) => s.kind === 'member').map(actualLine).sort(),
        corpus.skips.filter((s) => s.kind === 'member').map(expectedLine).sort(),
      );
    });

    test(`bad input ${kind}: skip messages name the rule that was broken`, () => {
      const byDn = new Map(outcome.result!.plan.skips.filter((s) => s.kind !== 'member').map((s) => [s.dn, s.message]));
      const message = (slug: string) => byDn.get(`cn=${slug},ou=people,dc=example,dc=com`) ?? '';
      assert.equal(message('no-uid'), 'username is empty');
      assert.match(message('username-51'), /username is 51 characters long \(at most 50\)/);
      assert.match(message('firstname-51-runes'), /first name is 51 characters long \(at most 50\)/);
      assert.match(message('displayname-fallback-101'), /display name is 101 characters long \(at most 100\)/);
      assert.match(message('email-256'), /email is 256 characters long \(at most 255\)/);
      assert.match(message('junk-nul-in-text'), /attribute audio is not valid UTF-8 text or contains a NUL byte/);
      assert.match(message('dup-id-2'), /unique identifier "E-DUP" is shared by 3 entries/);
      assert.match(message('case-second'), /username "carol" is already used by the LDAP entry cn=case-first,ou=people,dc=example,dc=com/);
      assert.match(message('email-second'), /email "shared@example.com" is already used by the LDAP entry cn=email-first,/);
      assert.match(byDn.get('cn=samename,ou=b,ou=groups,dc=example,dc=com') ?? '', /group name "samename" is already used by the LDAP entry cn=samename,ou=a,ou=groups,dc=example,dc=com/);
    });

    test(`bad input ${kind}: each skip is logged exactly once at WARN with its DN and reason`, () => {
      const lines = parseJsonLogLines(outcome.logs);
      const warned = lines
        .filter((l) => l.level === 'WARN' && l.msg === 'Skipped LDAP entry')
        .map((l) => {
          const kindField = String(l.fields.kind);
          return line({ kind: kindField, reason: String(l.fields.reason), dn: String(l.fields.dn) }, kindField === 'member' ? String(l.fields.detail) : undefined);
        })
        .sort();
      assert.deepEqual(warned, corpus.skips.map(expectedLine).sort());
      // Every entry skip also carries its message as detail.
      for (const l of lines.filter((x) => x.msg === 'Skipped LDAP entry')) assert.ok(String(l.fields.detail ?? '') !== '', JSON.stringify(l));
      assert.deepEqual(lines.filter((l) => l.level === 'WARN' && l.msg !== 'Skipped LDAP entry'), [], 'no other warnings');
      assert.deepEqual(lines.filter((l) => l.level === 'ERROR'), []);
    });

    test(`bad input ${kind}: summary.skipsByReason counts every reason`, () => {
      const expected: Partial<Record<SkipReason, number>> = {};
      for (const s of corpus.skips) expected[s.reason] = (expected[s.reason] ?? 0) + 1;
      assert.deepEqual(outcome.result!.summary.skipsByReason, expected);
      const summary = outcome.result!.summary;
      assert.equal(summary.users.skipped, corpus.skips.filter((s) => s.kind === 'user').length);
      assert.equal(summary.groups.skipped, corpus.skips.filter((s) => s.kind === 'group').length);
      assert.equal(summary.users.created, corpus.goodUsers.size);
      assert.equal(summary.groups.created, corpus.goodGroups.size);
    });

    test(`bad input ${kind}: every good user synced with its values (${BULK_USERS} bulk users, the very long DN, values at the limits)`, async () => {
      const rows = (await db.users()).filter((u) => u.ldap_id !== null);
      assert.deepEqual(rows.map((u) => u.username).sort(), [...corpus.goodUsers.keys()].sort());
      for (const row of rows) {
        const want = corpus.goodUsers.get(row.username)!;
        assert.deepEqual(
          { ldapId: row.ldap_id, email: row.email, firstName: row.first_name, lastName: row.last_name, displayName: row.display_name, disabled: row.disabled },
          { ldapId: want.ldapId, email: want.email, firstName: want.firstName, lastName: want.lastName, displayName: want.displayName, disabled: false },
          row.username,
        );
      }
      assert.ok(corpus.longDn.length > 1200, `the long DN has ${corpus.longDn.length} characters`);
      assert.equal((await db.user('longdn'))?.display_name, 'Long DN');
    });

    test(`bad input ${kind}: good groups synced with exactly their resolved members (${BULK_USERS} in one group)`, async () => {
      const groups = await db.groups();
      assert.deepEqual(groups.map((g) => g.name).sort(), [...corpus.goodGroups.keys()].sort());
      for (const g of groups) assert.equal(g.ldap_id, corpus.goodGroups.get(g.name)!.ldapId, g.name);
      const expected = [...corpus.goodGroups].flatMap(([name, g]) => [...new Set(g.members)].map((m) => `${name}:${m}`)).sort();
      const memberships = await db.memberships();
      assert.equal(memberships.filter((m) => m.startsWith('bulk:')).length, BULK_USERS);
      assert.deepEqual(memberships, expected);
      assert.deepEqual(memberships.filter((m) => m.startsWith('staff:')), ['staff:Carol', 'staff:good1', 'staff:good2', 'staff:good3', 'staff:longdn']);
    });

    test(`bad input ${kind}: a second run changes nothing and reports the same skips`, async () => {
      const before = await db.dump();
      const again = await syncWith(env, {}, { json: true });
      assert.ifError(again.error);
      const p = again.result!.plan;
      assert.equal(p.users.create.length + p.users.update.length + p.users.disable.length + p.groups.create.length + p.groups.update.length + p.memberships.add.length + p.memberships.remove.length, 0);
      assert.deepEqual(p.skips.map(actualLine).sort(), corpus.skips.map(expectedLine).sort());
      assert.equal(await db.dump(), before);
    });
  });
}
