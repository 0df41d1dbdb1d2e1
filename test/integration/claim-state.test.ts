// The owned claims as each database hands them over (src/db/claim-state.ts):
// every stored text comes back exactly, whatever it holds (NFC and
// decomposed forms, JSON-encoded strings, arrays, astral characters, the
// format's own separators, escapes), and the plan's comparison with the
// directory's values (src/sync/stored-claims.ts) says equal exactly when the
// texts are equal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readOwnedClaims } from '../../src/db/claim-state.js';
import { postgresDialect } from '../../src/db/postgres/postgres-dialect.js';
import { sqliteDialect } from '../../src/db/sqlite/sqlite-dialect.js';
import { claimSlot, joinClaimSlots } from '../../src/sync/entry-claims.js';
import { planClaims } from '../../src/sync/plan-claims.js';
import { emptyPlan } from '../../src/sync/plan.js';
import { StoredClaims, escapeRecords, escapeValue } from '../../src/sync/stored-claims.js';
import type { ClaimMappings, CurrentState } from '../../src/sync/types.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../support/test-database.js';

const VALUES = [
  'R&D',
  '\u00e9t\u00e9', // NFC
  'e\u0301te\u0301', // decomposed: stored as written, compared as written
  '"123"', // a JSON-looking string, stored JSON-encoded
  '["a@x","b@x"]',
  'clef \u{1d11e} and \u{1f600}',
  'tab\there\nnewline\r',
  'separators \u001e and \u001f inside',
  'quote " and backslash \\ and \\n as text',
  'line\u2028separator\u2029',
  'del \u007f',
  '',
  'null',
  'x'.repeat(8192),
];
// One key more than VALUES: the NUL value on SQLite.
const KEYS = [...VALUES, ''].map((_, i) => `k${i}`);
const MAPPINGS: ClaimMappings = {
  user: [...KEYS.map((key) => ({ key, attribute: 'description', multi: false })), { key: 'retired', attribute: null, multi: false }],
  group: [{ key: 'k0', attribute: 'description', multi: false }],
};
const LDAP_USER = 'a0000000-0000-4000-8000-000000000001';
const LOCAL_USER = 'a0000000-0000-4000-8000-000000000002';
const GROUP = 'b0000000-0000-4000-8000-000000000001';
const claimId = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function seed(db: TestDatabase): Promise<{ id: string; owner: string; key: string; value: string }[]> {
  const time = db.kind === 'postgres' ? new Date('2026-01-01T00:00:00Z') : 1767225600;
  const no = db.kind === 'postgres' ? false : 0;
  const user = (id: string, name: string, ldapId: string | null) => ({
    id, created_at: time, updated_at: time, username: name, email: `${name}@example.org`, first_name: 'F', last_name: 'L',
    display_name: name, is_admin: no, ldap_id: ldapId, locale: null, disabled: no, email_verified: no,
  });
  await db.db.insertInto('users').values([user(LDAP_USER, 'ldapuser', 'ldap-1'), user(LOCAL_USER, 'localuser', null)]).execute();
  await db.db.insertInto('user_groups').values({ id: GROUP, created_at: time, updated_at: time, name: 'team', friendly_name: 'Team', ldap_id: 'gid-1' }).execute();
  // PostgreSQL's text cannot hold NUL; SQLite's can, and an admin's tool could have put one there.
  const values = db.kind === 'sqlite' ? [...VALUES, 'nul \u0000 byte'] : VALUES;
  const rows = values.map((value, i) => ({ id: claimId(i), owner: LDAP_USER, key: `k${i}`, value }));
  rows.push({ id: claimId(100), owner: LOCAL_USER, key: 'k0', value: 'local' }, { id: claimId(101), owner: LDAP_USER, key: 'retired', value: 'old' });
  await db.db.insertInto('custom_claims').values([
    ...rows.map((r) => ({ id: r.id, created_at: time, key: r.key, value: r.value, user_id: r.owner, user_group_id: null })),
    { id: claimId(200), created_at: time, key: 'nickname', value: 'not configured', user_id: LDAP_USER, user_group_id: null },
    { id: claimId(201), created_at: time, key: 'k0', value: 'group "value"', user_id: null, user_group_id: GROUP },
  ]).execute();
  return rows;
}

const byOwnerAndKey = (a: { owner: string; key: string }, b: { owner: string; key: string }) => `${a.owner} ${a.key}`.localeCompare(`${b.owner} ${b.key}`);

function records(text: string): { owner: string; key: string; value: string; valueIs: (v: string) => boolean }[] {
  const out: { owner: string; key: string; value: string; valueIs: (v: string) => boolean }[] = [];
  const stored = new StoredClaims(text);
  while (stored.next()) {
    // The cursor reads the record it is on: keep each answer, not the cursor.
    const value = stored.value();
    const answers = new Map([value, `${value}x`, value.slice(1), VALUES[1]!].map((v) => [v, stored.valueIsSlot(escapeValue(v), 0, escapeValue(v).length)]));
    out.push({ owner: stored.owner(), key: stored.key(), value, valueIs: (v) => answers.get(v) ?? assert.fail(v) });
  }
  return out.sort(byOwnerAndKey);
}

for (const kind of DB_KINDS) {
  describe(`stored claims on ${kind}`, () => {
    test('every configured key comes back with its exact text, for users and groups; other keys are not read', async () => {
      const db = await createTestDatabase(kind);
      try {
        const rows = await seed(db);
        const stored = await readOwnedClaims(db.db, kind === 'postgres' ? postgresDialect : sqliteDialect, MAPPINGS);
        const users = records(stored.users);
        assert.deepEqual(users.map(({ owner, key, value }) => ({ owner, key, value })), rows.map(({ owner, key, value }) => ({ owner, key, value })).sort(byOwnerAndKey));
        for (const r of users) {
          assert.ok(r.valueIs(r.value), `${r.key}: ${JSON.stringify(r.value)} equals its own text`);
          assert.ok(!r.valueIs(`${r.value}x`) && (r.value === '' || !r.valueIs(r.value.slice(1))), `${r.key}: ${JSON.stringify(r.value)} differs from other texts`);
        }
        assert.ok(!users.find((r) => r.key === 'k2')!.valueIs(VALUES[1]!), 'decomposed and NFC forms differ');
        assert.deepEqual(records(stored.groups).map((r) => [r.owner, r.key, r.value]), [[GROUP, 'k0', 'group "value"']]);
        assert.deepEqual(await readOwnedClaims(db.db, kind === 'postgres' ? postgresDialect : sqliteDialect, { user: [], group: [] }), { users: '', groups: '' });
      } finally {
        await db.close();
      }
    });

    test('without a value that holds RS (the query without escaping) every text comes back exactly as well', async () => {
      const db = await createTestDatabase(kind);
      try {
        const rows = await seed(db);
        const withoutRs = rows.filter((r) => !r.value.includes('\u001e'));
        assert.equal(rows.length - withoutRs.length, 1, 'one value holds RS');
        const mappings = { ...MAPPINGS, user: MAPPINGS.user.filter((m) => withoutRs.some((r) => r.key === m.key)) };
        const dialect = kind === 'postgres' ? postgresDialect : sqliteDialect;
        const stored = await readOwnedClaims(db.db, dialect, mappings);
        assert.deepEqual(records(stored.users).map(({ owner, key, value }) => ({ owner, key, value })), withoutRs.map(({ owner, key, value }) => ({ owner, key, value })).sort(byOwnerAndKey));
        // The text is the query's without escaping, escaped here: that query is the one read.
        const plain = (await dialect.plainStoredClaims('user_id', mappings.user.map((m) => m.key)).execute(db.db)).rows[0];
        assert.equal(Number(plain?.records), withoutRs.length);
        assert.equal(escapeRecords(plain?.claims ?? '', Number(plain?.records)), stored.users);
      } finally {
        await db.close();
      }
    });

    test('the plan finds no change when the directory holds the stored texts, and names the old text of each one that differs', async () => {
      const db = await createTestDatabase(kind);
      try {
        await seed(db);
        const claims = await readOwnedClaims(db.db, kind === 'postgres' ? postgresDialect : sqliteDialect, MAPPINGS);
        const current: CurrentState = {
          users: [LDAP_USER, LOCAL_USER].map((id) => ({
            id, ldapId: id === LDAP_USER ? 'ldap-1' : null, username: id === LDAP_USER ? 'ldapuser' : 'localuser', email: null,
            firstName: '', lastName: '', displayName: '', isAdmin: false, emailVerified: false, disabled: false,
          })),
          groups: [],
          memberships: new Map(),
          claims,
        };
        const entry = (values: string[]) => ({
          dn: 'uid=ldapuser,dc=example', ldapId: 'ldap-1', username: 'ldapuser', email: '', firstName: '', lastName: '', displayName: '',
          // '' is what no directory value gives: such a claim is absent, and the stored '' is deleted.
          claims: joinClaimSlots(values.map((stored) => claimSlot(stored === '' ? { kind: 'absent' } : { kind: 'value', stored }))),
        });
        // The entry's LDAP row, as plan() screens it: the first (and only) LDAP row.
        const ENTRY_ROWS = { users: Int32Array.of(0), groups: new Int32Array(0) };
        const snapshot = (values: string[]) => ({ users: [entry(values)], groups: [], unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } });
        const same = planClaims(snapshot(VALUES), current, emptyPlan(), { ...MAPPINGS, group: [] }, () => 'new', ENTRY_ROWS).claims.users;
        assert.deepEqual(same.create, []);
        assert.deepEqual(same.update, []);
        const nul = kind === 'sqlite' ? [['k14', 'nul \u0000 byte']] : [];
        assert.deepEqual(same.delete.map((c) => [c.key, c.before]), [['k11', ''], ...nul, ['retired', 'old']], 'the emptied claims and the retired key of the LDAP user; the local user keeps k0');

        const changed = VALUES.map((v, i) => (i === 2 ? VALUES[1]! : i === 5 ? `${v} ` : v));
        const plan = planClaims(snapshot(changed), current, emptyPlan(), { ...MAPPINGS, group: [] }, () => 'new', ENTRY_ROWS).claims.users;
        assert.deepEqual(plan.update.map((c) => [c.ownerId, c.key, c.before, c.after]), [
          [LDAP_USER, 'k2', VALUES[2], VALUES[1]],
          [LDAP_USER, 'k5', VALUES[5], `${VALUES[5]} `],
        ]);
      } finally {
        await db.close();
      }
    });
  });
}
