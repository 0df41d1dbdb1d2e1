import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkDeletionGuard, DeletionGuardError, GUARD_FLOOR, parseDeleteThreshold, type DeleteThreshold } from '../../src/sync/deletion-guard.js';
import type { RemovedGroup, RemovedUser, SyncPlan } from '../../src/sync/types.js';
import { emptyClaimPlan } from '../../src/sync/plan-claims.js';

const DEFAULT: DeleteThreshold = parseDeleteThreshold('20%');

const removedUsers = (n: number, prefix = 'u'): RemovedUser[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, username: `${prefix}${i}`, ldapId: `${prefix}-ldap-${i}` }));
const removedGroups = (n: number): RemovedGroup[] => Array.from({ length: n }, (_, i) => ({ id: `g-${i}`, name: `g${i}`, ldapId: `g-ldap-${i}` }));

/** A plan that only removes: `disable` and `delete` users, `deleteGroups` groups, out of `managed` LDAP rows. */
function removing(o: { disable?: number; delete?: number; deleteGroups?: number; managedUsers: number; managedGroups?: number }): SyncPlan {
  return {
    users: { create: [], update: [], disable: removedUsers(o.disable ?? 0, 'dis'), delete: removedUsers(o.delete ?? 0, 'del'), unchanged: 0 },
    groups: { create: [], update: [], delete: removedGroups(o.deleteGroups ?? 0), unchanged: 0 },
    memberships: { add: [], remove: [] },
    vacate: { userIds: [], groupIds: [] },
    claims: emptyClaimPlan(),
    skips: [],
    managed: { users: o.managedUsers, groups: o.managedGroups ?? 0 },
  };
}

describe('parseDeleteThreshold', () => {
  for (const [raw, expected] of [
    ['20%', { kind: 'percent', value: 20 }],
    [' 20% ', { kind: 'percent', value: 20 }],
    ['20 %', { kind: 'percent', value: 20 }],
    ['12.5%', { kind: 'percent', value: 12.5 }],
    ['0%', { kind: 'percent', value: 0 }],
    ['100%', { kind: 'percent', value: 100 }],
    ['0', { kind: 'count', value: 0 }],
    ['25', { kind: 'count', value: 25 }],
    ['007', { kind: 'count', value: 7 }],
  ] as const) {
    test(`guard threshold parses ${JSON.stringify(raw)} as ${expected.kind} ${expected.value}`, () => {
      assert.deepEqual(parseDeleteThreshold(raw), expected);
    });
  }

  for (const [raw, why] of [
    ['101%', /more than 100%/],
    ['150%', /more than 100%/],
    ['', /neither a percentage/],
    ['   ', /neither a percentage/],
    ['abc', /neither a percentage/],
    ['%', /neither a percentage/],
    ['20%%', /neither a percentage/],
    ['-1', /neither a percentage/],
    ['-5%', /neither a percentage/],
    ['1.5', /neither a percentage/],
    ['1e3', /neither a percentage/],
    ['0x10', /neither a percentage/],
    ['20 percent', /neither a percentage/],
    ['.5%', /neither a percentage/],
  ] as const) {
    test(`guard threshold rejects ${JSON.stringify(raw)}`, () => {
      assert.throws(() => parseDeleteThreshold(raw), why);
    });
  }

  test('guard threshold parse errors quote the value as written', () => {
    assert.throws(() => parseDeleteThreshold('lots'), (e: Error) => e.message.includes('"lots"'));
  });
});

describe('checkDeletionGuard: percentage (default 20%) with the floor', () => {
  test(`guard floor is ${GUARD_FLOOR}`, () => assert.equal(GUARD_FLOOR, 5));

  test('guard: nothing removed never trips', () => {
    assert.equal(checkDeletionGuard(removing({ managedUsers: 100, managedGroups: 10 }), 100, DEFAULT), null);
  });

  test('guard 20%: exactly 20% of users passes, one more trips', () => {
    assert.equal(checkDeletionGuard(removing({ disable: 20, managedUsers: 100 }), 80, DEFAULT), null);
    const verdict = checkDeletionGuard(removing({ disable: 21, managedUsers: 100 }), 79, DEFAULT);
    assert.ok(verdict);
    assert.match(verdict.message, /disable or delete 21 of 100 LDAP users/);
    assert.match(verdict.message, /LDAP_SYNC_DELETE_THRESHOLD=20% allows \(20\)/);
    assert.match(verdict.message, /--allow-mass-delete/);
  });

  test('guard 20%: the allowance rounds down (30 managed → 6 allowed, 7 trips)', () => {
    assert.equal(checkDeletionGuard(removing({ disable: 6, managedUsers: 30 }), 24, DEFAULT), null);
    assert.match(checkDeletionGuard(removing({ disable: 7, managedUsers: 30 }), 23, DEFAULT)?.message ?? '', /7 of 30 .*allows \(6\)/);
  });

  test('guard floor: up to 5 removals pass even when they are most of a small directory', () => {
    assert.equal(checkDeletionGuard(removing({ disable: 5, managedUsers: 6 }), 1, DEFAULT), null);
    assert.equal(checkDeletionGuard(removing({ disable: 5, managedUsers: 5 }), 3, DEFAULT), null, '100% of 5, but some users were read');
    assert.equal(checkDeletionGuard(removing({ deleteGroups: 5, managedUsers: 0, managedGroups: 5 }), 0, DEFAULT), null);
  });

  test('guard floor: the 6th removal trips in a small directory (6 of 10 > 20%)', () => {
    assert.match(checkDeletionGuard(removing({ disable: 6, managedUsers: 10 }), 4, DEFAULT)?.message ?? '', /6 of 10 LDAP users/);
  });

  test('guard 0% still allows the floor (use the count 0 to forbid every removal)', () => {
    const zero = parseDeleteThreshold('0%');
    assert.equal(checkDeletionGuard(removing({ disable: 5, managedUsers: 1000 }), 995, zero), null);
    assert.ok(checkDeletionGuard(removing({ disable: 6, managedUsers: 1000 }), 994, zero));
  });

  test('guard 100% allows removing every LDAP user and group', () => {
    const all = parseDeleteThreshold('100%');
    assert.equal(checkDeletionGuard(removing({ disable: 900, delete: 100, deleteGroups: 50, managedUsers: 1000, managedGroups: 50 }), 1, all), null);
  });

  test('guard counts disabled and deleted users together', () => {
    assert.equal(checkDeletionGuard(removing({ disable: 10, delete: 10, managedUsers: 100 }), 80, DEFAULT), null);
    assert.match(checkDeletionGuard(removing({ disable: 11, delete: 10, managedUsers: 100 }), 79, DEFAULT)?.message ?? '', /21 of 100 LDAP users/);
  });

  test('guard counts groups separately from users, against the number of LDAP groups', () => {
    // 5 users + 5 groups: each under the floor; summed they would not be.
    assert.equal(checkDeletionGuard(removing({ disable: 5, deleteGroups: 5, managedUsers: 10, managedGroups: 10 }), 5, DEFAULT), null);
    const groups = checkDeletionGuard(removing({ deleteGroups: 6, managedUsers: 1000, managedGroups: 10 }), 1000, DEFAULT);
    assert.match(groups?.message ?? '', /disable or delete 6 of 10 LDAP groups, more than LDAP_SYNC_DELETE_THRESHOLD=20% allows \(2\)/);
    // 20 of 100 groups is fine even when there are only 10 users.
    assert.equal(checkDeletionGuard(removing({ deleteGroups: 20, managedUsers: 10, managedGroups: 100 }), 10, DEFAULT), null);
  });

  test('guard names users first when both users and groups are over the threshold', () => {
    const verdict = checkDeletionGuard(removing({ disable: 50, deleteGroups: 50, managedUsers: 100, managedGroups: 100 }), 50, DEFAULT);
    assert.match(verdict?.message ?? '', /50 of 100 LDAP users/);
  });
});

describe('checkDeletionGuard: absolute counts', () => {
  test('guard count: exactly N removals pass, N+1 trip', () => {
    const three = parseDeleteThreshold('3');
    assert.equal(checkDeletionGuard(removing({ disable: 3, managedUsers: 1000 }), 997, three), null);
    assert.match(checkDeletionGuard(removing({ disable: 4, managedUsers: 1000 }), 996, three)?.message ?? '', /4 of 1000 LDAP users, more than LDAP_SYNC_DELETE_THRESHOLD=3 allows \(3\)/);
  });

  test('guard count: no floor (0 forbids the first removal)', () => {
    const none = parseDeleteThreshold('0');
    assert.match(checkDeletionGuard(removing({ disable: 1, managedUsers: 1000 }), 999, none)?.message ?? '', /1 of 1000 .*=0 allows \(0\)/);
    assert.match(checkDeletionGuard(removing({ deleteGroups: 1, managedUsers: 10, managedGroups: 3 }), 10, none)?.message ?? '', /1 of 3 LDAP groups/);
  });

  test('guard count: applies as is however large the directory (not a share)', () => {
    const hundred = parseDeleteThreshold('100');
    assert.equal(checkDeletionGuard(removing({ disable: 100, managedUsers: 100000 }), 99900, hundred), null);
    assert.ok(checkDeletionGuard(removing({ disable: 101, managedUsers: 100000 }), 99899, hundred));
  });
});

describe('checkDeletionGuard: the user search returning nothing', () => {
  test('guard trips on zero users read while LDAP users exist, even under the floor', () => {
    const verdict = checkDeletionGuard(removing({ disable: 3, managedUsers: 3 }), 0, DEFAULT);
    assert.ok(verdict);
    assert.match(verdict.message, /user search returned no entries while 3 LDAP users exist/);
    assert.match(verdict.message, /LDAP_BASE, LDAP_USER_SEARCH_FILTER/);
    assert.match(verdict.message, /LDAP_SYNC_DELETE_THRESHOLD/);
  });

  test('guard trips on zero users read even if the plan removes nobody (already disabled users)', () => {
    assert.ok(checkDeletionGuard(removing({ managedUsers: 4 }), 0, DEFAULT));
  });

  test('guard trips on zero users read with a count threshold smaller than the LDAP users', () => {
    assert.ok(checkDeletionGuard(removing({ disable: 3, managedUsers: 3 }), 0, parseDeleteThreshold('2')));
  });

  test('guard: zero users read is overridden by a threshold that allows removing all of them (100%)', () => {
    assert.equal(checkDeletionGuard(removing({ disable: 40, managedUsers: 40 }), 0, parseDeleteThreshold('100%')), null);
    assert.equal(checkDeletionGuard(removing({ disable: 3, managedUsers: 3 }), 0, parseDeleteThreshold('3')), null);
    assert.ok(checkDeletionGuard(removing({ disable: 40, managedUsers: 40 }), 0, parseDeleteThreshold('99%')));
  });

  test('guard: zero users read into an empty Pocket ID is a first run, not a mass delete', () => {
    assert.equal(checkDeletionGuard(removing({ managedUsers: 0 }), 0, DEFAULT), null);
  });
});

test('DeletionGuardError carries the verdict and says "deletion guard"', () => {
  const verdict = checkDeletionGuard(removing({ disable: 7, managedUsers: 10 }), 3, DEFAULT);
  assert.ok(verdict);
  const error = new DeletionGuardError(verdict);
  assert.equal(error.name, 'DeletionGuardError');
  assert.equal(error.verdict, verdict);
  assert.equal(error.message, `deletion guard: ${verdict.message}`);
});
