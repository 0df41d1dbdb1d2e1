import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HiddenAttributeError, rightsOf } from '../../src/ldap/attribute-visibility.js';
import { parseDeleteThreshold } from '../../src/sync/deletion-guard.js';
import { failureReason } from '../../src/sync/failure.js';
import { checkReEnableGuard, countReEnables, ReEnableGuardError, type ReEnableFacts } from '../../src/sync/reenable-guard.js';
import type { CurrentState, CurrentUser, SyncPlan, UserChange, UserFields } from '../../src/sync/types.js';
import { emptyClaimPlan } from '../../src/sync/plan-claims.js';

const FIELDS: UserFields = { username: 'u', email: 'u@x', firstName: '', lastName: '', displayName: 'u', isAdmin: false, emailVerified: true, disabled: false };
const FACTS: ReEnableFacts = {
  disabledAccounts: true,
  flagAttributes: ['userAccountControl', 'msDS-UserAccountDisabled', 'nsAccountLock'],
  entriesWithFlag: 3,
  adminGroupName: 'admins',
  memberAttribute: 'member',
  bindDn: 'cn=reader,dc=example,dc=com',
};

function row(i: number, extra: Partial<UserFields> = {}): CurrentUser {
  return { ...FIELDS, username: `u${i}`, id: `id-${i}`, ldapId: `l-${i}`, ...extra };
}

function change(i: number, before: Partial<UserFields>, after: Partial<UserFields>): UserChange {
  const b = { ...FIELDS, username: `u${i}`, ...before };
  const a = { ...FIELDS, username: `u${i}`, ...after };
  const changed = (Object.keys(b) as (keyof UserFields)[]).filter((k) => b[k] !== a[k]);
  return { id: `id-${i}`, dn: `uid=u${i}`, before: b, after: a, changed };
}

/** `reEnable` users go from disabled to enabled, `unAdmin` lose the admin flag, out of `managed`. */
function scenario(o: { reEnable?: number; unAdmin?: number; managed: number; otherAdmins?: number }): { plan: SyncPlan; state: CurrentState } {
  const reEnable = o.reEnable ?? 0;
  const unAdmin = o.unAdmin ?? 0;
  const users: CurrentUser[] = [];
  const update: UserChange[] = [];
  for (let i = 0; i < o.managed; i++) {
    const disabled = i < reEnable;
    const isAdmin = (i >= reEnable && i < reEnable + unAdmin) || (i >= reEnable + unAdmin && i < reEnable + unAdmin + (o.otherAdmins ?? 0));
    users.push(row(i, { disabled, isAdmin }));
    if (disabled) update.push(change(i, { disabled: true }, { disabled: false }));
    else if (i < reEnable + unAdmin) update.push(change(i, { isAdmin: true }, { isAdmin: false }));
  }
  const plan: SyncPlan = {
    users: { create: [], update, disable: [], delete: [], unchanged: o.managed - update.length },
    groups: { create: [], update: [], delete: [], unchanged: 0 },
    memberships: { add: [], remove: [] },
    vacate: { userIds: [], groupIds: [] },
    claims: emptyClaimPlan(),
    skips: [],
    managed: { users: o.managed, groups: 0 },
  };
  return { plan, state: { users, groups: [], memberships: new Map() } };
}

const PERCENT = parseDeleteThreshold('20%');

describe('re-enable guard: threshold', () => {
  test('counts re-enables and un-admins, a user doing both once', () => {
    const { plan } = scenario({ reEnable: 2, unAdmin: 3, managed: 10 });
    plan.users.update.push(change(99, { disabled: true, isAdmin: true }, { disabled: false, isAdmin: false }));
    assert.deepEqual(countReEnables(plan), { reEnabled: 3, unAdmined: 4, users: 6 });
  });

  test('up to the floor of 5 never trips the percentage', () => {
    const { plan, state } = scenario({ reEnable: 5, managed: 6 });
    assert.equal(checkReEnableGuard(plan, state, PERCENT, FACTS), null);
  });

  test('more than 20% and more than 5 trips, naming the numbers, the setting and the override', () => {
    const { plan, state } = scenario({ reEnable: 4, unAdmin: 3, managed: 30, otherAdmins: 1 });
    const verdict = checkReEnableGuard(plan, state, PERCENT, FACTS);
    assert.ok(verdict);
    assert.match(verdict.message, /re-enable 4 and take the admin flag from 3 of 30 directory users \(7 users\)/);
    assert.match(verdict.message, /LDAP_SYNC_REENABLE_THRESHOLD=20% allows \(6\)/);
    assert.match(verdict.message, /--allow-mass-reenable/);
    assert.match(verdict.message, /nothing was changed/);
  });

  test('20% of 30 is 6: six users pass', () => {
    const { plan, state } = scenario({ reEnable: 6, managed: 30 });
    assert.equal(checkReEnableGuard(plan, state, PERCENT, FACTS), null);
  });

  test('a whole-number threshold counts exactly, without the floor', () => {
    const { plan, state } = scenario({ reEnable: 2, managed: 100 });
    assert.equal(checkReEnableGuard(plan, state, parseDeleteThreshold('2'), FACTS), null);
    assert.ok(checkReEnableGuard(plan, state, parseDeleteThreshold('1'), FACTS));
  });

  test('100% lets everything through', () => {
    const { plan, state } = scenario({ reEnable: 50, managed: 50 });
    assert.equal(checkReEnableGuard(plan, state, parseDeleteThreshold('100%'), FACTS), null);
  });

  test('the error says which guard, and counts as reenable_guard in metrics (a hidden attribute too)', () => {
    const error = new ReEnableGuardError({ message: 'm' });
    assert.equal(error.message, 're-enable guard: m');
    assert.equal(failureReason(error), 'reenable_guard');
    assert.equal(failureReason(new HiddenAttributeError([{ attribute: 'nsAccountLock', entryDn: 'uid=a', message: 'hidden' }])), 'reenable_guard');
  });
});

describe('re-enable guard: an attribute nobody carries is not trusted', () => {
  test('no entry carries a disabled flag while the plan re-enables: refused, even one user', () => {
    const { plan, state } = scenario({ reEnable: 1, managed: 100 });
    const verdict = checkReEnableGuard(plan, state, PERCENT, { ...FACTS, entriesWithFlag: 0 });
    assert.ok(verdict);
    assert.match(verdict.message, /no user entry carries any of userAccountControl, msDS-UserAccountDisabled, nsAccountLock/);
    assert.match(verdict.message, /re-enable 1 directory users/);
    assert.match(verdict.message, /targetattr="nsAccountLock"/);
    assert.match(verdict.message, /olcAccess to attrs=nsAccountLock by dn\.exact="cn=reader,dc=example,dc=com" read/);
  });

  test('entries carrying the flag, or nothing re-enabled, or the setting off: no objection', () => {
    const { plan, state } = scenario({ reEnable: 1, managed: 100 });
    assert.equal(checkReEnableGuard(plan, state, PERCENT, FACTS), null);
    assert.equal(checkReEnableGuard(plan, state, PERCENT, { ...FACTS, entriesWithFlag: 0, disabledAccounts: false }), null);
    const quiet = scenario({ managed: 100 });
    assert.equal(checkReEnableGuard(quiet.plan, quiet.state, PERCENT, { ...FACTS, entriesWithFlag: 0 }), null);
  });

  test('the admin group resolving to nobody while Pocket ID has directory admins: refused', () => {
    const { plan, state } = scenario({ unAdmin: 2, managed: 100 });
    const verdict = checkReEnableGuard(plan, state, PERCENT, FACTS);
    assert.ok(verdict);
    assert.match(verdict.message, /admin group "admins" resolves to nobody while Pocket ID has 2 directory admins/);
    assert.match(verdict.message, /its member attribute/);
    assert.match(verdict.message, /--allow-mass-reenable/);
  });

  test('one admin left, a new admin created, or no admin group configured: no objection', () => {
    const kept = scenario({ unAdmin: 2, managed: 100, otherAdmins: 1 });
    assert.equal(checkReEnableGuard(kept.plan, kept.state, PERCENT, FACTS), null);
    const replaced = scenario({ unAdmin: 2, managed: 100 });
    replaced.plan.users.create.push({ ...FIELDS, id: 'new', ldapId: 'new', dn: 'uid=new', isAdmin: true });
    assert.equal(checkReEnableGuard(replaced.plan, replaced.state, PERCENT, FACTS), null);
    const none = scenario({ unAdmin: 2, managed: 100 });
    assert.equal(checkReEnableGuard(none.plan, none.state, PERCENT, { ...FACTS, adminGroupName: '' }), null);
  });

  test('admins who left the directory do not count as admins Pocket ID still has', () => {
    const { plan, state } = scenario({ managed: 10, otherAdmins: 1 });
    plan.users.disable.push({ id: 'id-0', username: 'u0', ldapId: 'l-0' });
    assert.equal(checkReEnableGuard(plan, state, PERCENT, FACTS), null);
  });
});

describe('get-effective-rights answers (389-ds attributeLevelRights)', () => {
  test('the rights of one attribute, any case, across values', () => {
    const answer = ['nsAccountLock:none, uid:rsc, attributelevelrights:none, ', 'member:rscwo'];
    assert.equal(rightsOf(answer, 'nsaccountlock'), 'none');
    assert.equal(rightsOf(answer, 'UID'), 'rsc');
    assert.equal(rightsOf(answer, 'member'), 'rscwo');
    assert.equal(rightsOf(answer, 'mail'), undefined);
    assert.equal(rightsOf([], 'uid'), undefined);
  });
});
