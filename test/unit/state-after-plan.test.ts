import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyPlan } from '../../src/sync/plan.js';
import { stateAfterPlan, withLocalRows } from '../../src/sync/state-after-plan.js';
import { storedClaimsText } from '../../src/sync/stored-claims.js';
import type { CurrentState, CurrentUser } from '../../src/sync/types.js';

const user = (id: string, extra: Partial<CurrentUser> = {}): CurrentUser => ({
  id, ldapId: `l-${id}`, username: id, email: null, firstName: '', lastName: '', displayName: id, isAdmin: false, emailVerified: true, disabled: false, ...extra,
});

function state(): CurrentState {
  return {
    users: [user('a'), user('b'), user('c'), user('local', { ldapId: null })],
    groups: [{ id: 'g1', ldapId: 'lg1', name: 'g1', friendlyName: 'G1' }, { id: 'g2', ldapId: 'lg2', name: 'g2', friendlyName: 'G2' }],
    memberships: new Map([['a', 'g1,g2'], ['b', 'g2'], ['local', 'g1']]),
    claims: { users: storedClaimsText([{ id: 'c1', ownerId: 'a', key: 'k', value: 'one' }, { id: 'c2', ownerId: 'b', key: 'k', value: 'two' }]), groups: '' },
  };
}

test('the state after a plan: updates, disables, deletes (with their memberships and claims), creates, memberships, claims', () => {
  const plan = emptyPlan();
  const fields = { ...user('a'), username: 'alice', isAdmin: true };
  plan.users.update.push({ id: 'a', dn: 'uid=a', before: user('a'), after: fields, changed: ['username', 'isAdmin'] });
  plan.users.disable.push({ id: 'c', username: 'c', ldapId: 'l-c' });
  plan.users.delete.push({ id: 'b', username: 'b', ldapId: 'l-b' });
  plan.users.create.push({ ...user('d'), emailVerified: false, ldapId: 'l-d', dn: 'uid=d' });
  plan.groups.delete.push({ id: 'g2', name: 'g2', ldapId: 'lg2' });
  plan.groups.create.push({ id: 'g0', ldapId: 'lg0', name: 'g0', friendlyName: 'G0', dn: 'cn=g0' });
  plan.memberships.add.push({ groupId: 'g0', userId: 'a', groupName: 'g0', username: 'alice' }, { groupId: 'g1', userId: 'd', groupName: 'g1', username: 'd' });
  plan.claims.users.update.push({ id: 'c1', ownerId: 'a', key: 'k', before: 'one', after: 'uno', owner: 'alice' });
  plan.claims.users.create.push({ id: 'c3', ownerId: 'd', key: 'k', before: null, after: 'three', owner: 'd' });
  const before = state();
  const after = stateAfterPlan(before, plan);
  assert.deepEqual(after.users.map((u) => [u.id, u.username, u.isAdmin, u.disabled, u.emailVerified]), [
    ['a', 'alice', true, false, true], ['c', 'c', false, true, true], ['local', 'local', false, false, true], ['d', 'd', false, false, true],
  ]);
  assert.deepEqual(after.groups.map((g) => g.id), ['g1', 'g0']);
  assert.deepEqual([...after.memberships], [['a', 'g0,g1'], ['local', 'g1'], ['d', 'g1']]);
  assert.equal(after.claims?.users, storedClaimsText([{ id: 'c1', ownerId: 'a', key: 'k', value: 'uno' }, { id: 'c3', ownerId: 'd', key: 'k', value: 'three' }]));
  assert.deepEqual(before, state(), 'the state planned from is left as it was');
});

test('an incremental run plans from the kept rows of the sync and the local rows as read now', () => {
  const kept = state();
  // Since the last run: the local user was deleted by hand, LDAP user c turned local (ldap_id cleared), a new local user joined g1.
  const local = {
    users: [user('c', { ldapId: null }), user('new', { ldapId: null })],
    groups: [{ id: 'lg', ldapId: null, name: 'local-group', friendlyName: 'Local' }],
    memberships: new Map([['new', 'g1']]),
  };
  const merged = withLocalRows(kept, local);
  assert.deepEqual(merged.users.map((u) => [u.id, u.ldapId]), [['a', 'l-a'], ['b', 'l-b'], ['c', null], ['new', null]]);
  assert.deepEqual(merged.groups.map((g) => g.id), ['g1', 'g2', 'lg']);
  assert.deepEqual([...merged.memberships].sort(), [['a', 'g1,g2'], ['b', 'g2'], ['new', 'g1']]);
  assert.equal(merged.claims, kept.claims);
});
