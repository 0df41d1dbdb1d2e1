import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameState } from '../../src/sync/state-equality.js';
import type { CurrentState, CurrentUser } from '../../src/sync/types.js';

const user = (id: string, extra: Partial<CurrentUser> = {}): CurrentUser => ({
  id, ldapId: `l-${id}`, username: id, email: null, firstName: '', lastName: '', displayName: id, isAdmin: false, emailVerified: true, disabled: false, ...extra,
});

function state(extra: Partial<CurrentState> = {}): CurrentState {
  return {
    users: [user('a'), user('b')],
    groups: [{ id: 'g', ldapId: 'lg', name: 'g', friendlyName: 'g' }],
    memberships: new Map([['a', 'g']]),
    claims: { users: 'a k c1 v', groups: '' },
    ...extra,
  };
}

test('two reads with the same rows in another order are the same state', () => {
  const reversed = state();
  reversed.users.reverse();
  assert.equal(sameState(state(), reversed), true);
});

test('any difference in a row, a membership or an owned claim makes them differ', () => {
  assert.equal(sameState(state(), state({ users: [user('a'), user('b', { disabled: true })] })), false);
  assert.equal(sameState(state(), state({ users: [user('a')] })), false);
  assert.equal(sameState(state(), state({ groups: [{ id: 'g', ldapId: 'lg', name: 'g', friendlyName: 'G' }] })), false);
  assert.equal(sameState(state(), state({ memberships: new Map([['b', 'g']]) })), false);
  assert.equal(sameState(state(), state({ memberships: new Map() })), false);
  assert.equal(sameState(state(), state({ claims: { users: 'a k c1 w', groups: '' } })), false);
  assert.equal(sameState(state(), state({ claims: undefined })), false);
});
