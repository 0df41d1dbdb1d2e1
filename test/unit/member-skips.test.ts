import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import { plan } from '../../src/sync/plan.js';
import type { CurrentState, PlanOptions } from '../../src/sync/types.js';

const OPTIONS: PlanOptions = { adminGroupName: 'admins', softDeleteUsers: true, requireUserEmail: true };
let next = 0;
const ids = () => () => `id-${++next}`;
const EMPTY: CurrentState = { users: [], groups: [], memberships: new Map() };

function user(name: string, extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return { dn: `uid=${name},ou=people,dc=example,dc=com`, ldapId: `id-${name}`, username: name, email: `${name}@example.com`, firstName: name, lastName: 'T', displayName: name, ...extra };
}

function snapshot(users: DirectoryUser[], groups: DirectoryGroup[]): DirectorySnapshot {
  return { users, groups, unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } };
}

const staff = (members: string[]): DirectoryGroup => ({ dn: 'cn=staff,ou=groups,dc=example,dc=com', ldapId: 'g-staff', name: 'staff', memberUsernames: members });

test('member skip: a member whose user entry was skipped for having no email says so and names the setting', () => {
  const p = plan(snapshot([user('ann'), user('nomail', { email: '' })], [staff(['ann', 'nomail'])]), EMPTY, OPTIONS, ids());
  const skip = p.skips.find((s) => s.kind === 'member');
  assert.deepEqual(skip, {
    kind: 'member',
    dn: 'cn=staff,ou=groups,dc=example,dc=com',
    reason: 'member-skipped',
    message: 'member uid=nomail,ou=people,dc=example,dc=com was skipped: user has no email and REQUIRE_USER_EMAIL=true',
  });
});

test('member skip: a member skipped for a duplicate unique id or a taken username says why', () => {
  const duplicate = plan(snapshot([user('a', { ldapId: 'same' }), user('b', { ldapId: 'same' })], [staff(['a'])]), EMPTY, OPTIONS, ids());
  assert.match(duplicate.skips.find((s) => s.kind === 'member')?.message ?? '', /^member uid=a,ou=people,dc=example,dc=com was skipped: unique identifier "same" is shared by 2 entries/);
  const local = { id: 'local', ldapId: null, username: 'taken', email: 'other@example.com', firstName: '', lastName: '', displayName: '', isAdmin: false, emailVerified: false, disabled: false };
  const taken = plan(snapshot([user('taken')], [staff(['taken'])]), { ...EMPTY, users: [local] }, OPTIONS, ids());
  const skip = taken.skips.find((s) => s.kind === 'member');
  assert.equal(skip?.reason, 'member-skipped');
  assert.match(skip?.message ?? '', /^member uid=taken,ou=people,dc=example,dc=com was skipped: .*username/);
});

test('member skip: a member that is no user read at all stays "not an LDAP user known to Pocket ID"', () => {
  const p = plan(snapshot([user('ann')], [staff(['ann', 'stranger'])]), EMPTY, OPTIONS, ids());
  assert.deepEqual(
    p.skips.map((s) => [s.reason, s.message]),
    [['member-unknown', 'member "stranger" is not an LDAP user known to Pocket ID']],
  );
});
