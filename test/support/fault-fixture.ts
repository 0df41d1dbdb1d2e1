// What the fault-injection tests (faults-*.test.ts) share: a fixture already synced once, one LDAP
// change that a run getting through would write, and the checks of a failed and of a healthy run.
import assert from 'node:assert/strict';
import { Attribute, Change } from 'ldapts';
import type { SlapdInstance } from './slapd.js';
import { ldapAdmin, startFixture, syncWith, type SyncFixture, type SyncOutcome } from './sync-harness.js';
import type { DbKind, TestDatabase } from './test-database.js';

const PEOPLE = 'ou=people,dc=example,dc=com';
const GROUPS = 'ou=groups,dc=example,dc=com';
/** Users the default fixture syncs without local rows (30 entries; "bad user" and nomail are skipped). */
export const SYNCED_USERS = 28;

/** A directory, a Pocket ID database, and one healthy sync already done. */
export async function syncedFixture(kind: DbKind, options: { ldif?: string; env?: Record<string, string> } = {}): Promise<SyncFixture> {
  const started = await startFixture(kind, options);
  const first = await syncWith(started.env);
  assert.ifError(first.error);
  return started;
}

/** Some LDAP change, so that a run that got through would write something. */
export async function changeDirectory(slapd: SlapdInstance): Promise<void> {
  await ldapAdmin(slapd, async (client) => {
    await client.modify(`uid=alice,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['alice.new@example.com'] }) })]);
    await client.modify(`cn=team01,${GROUPS}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user20,${PEOPLE}`] }) })]);
  });
}

/** After a healthy run following changeDirectory(): both changes landed. */
export async function assertChangesLanded(db: TestDatabase, outcome: SyncOutcome): Promise<void> {
  assert.ifError(outcome.error);
  assert.equal(outcome.result!.summary.users.updated, 1);
  assert.equal(outcome.result!.summary.memberships.added, 1);
  assert.equal((await db.user('alice'))!.email, 'alice.new@example.com');
  assert.ok((await db.memberships()).includes('team01:user20'));
}

/** The run failed, with an error matching `pattern` and no result; returns the error. */
export function assertFailed(outcome: SyncOutcome, pattern: RegExp): Error {
  assert.ok(outcome.error, 'the run must fail');
  assert.equal(outcome.result, undefined);
  assert.match(outcome.error.message, pattern);
  return outcome.error;
}
