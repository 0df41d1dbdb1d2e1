import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySteps, writesAnything } from '../../src/db/apply.js';
import { emptyPlan } from '../../src/sync/plan.js';
import type { SyncPlan } from '../../src/sync/types.js';

/** Every list of a plan, each filled alone: writesAnything must agree with the steps apply() would run. */
function plansWithOneList(): [string, SyncPlan][] {
  const plans: [string, SyncPlan][] = [];
  const probe = emptyPlan();
  const lists: [string, (p: SyncPlan) => unknown[]][] = [];
  for (const [section, value] of Object.entries(probe)) {
    if (typeof value !== 'object' || value === null) continue;
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
      if (Array.isArray(inner)) lists.push([`${section}.${name}`, (p) => (p as unknown as Record<string, Record<string, unknown[]>>)[section]![name]!]);
      else if (typeof inner === 'object' && inner !== null) {
        for (const [leaf, list] of Object.entries(inner as Record<string, unknown>)) {
          if (Array.isArray(list)) lists.push([`${section}.${name}.${leaf}`, (p) => (p as unknown as Record<string, Record<string, Record<string, unknown[]>>>)[section]![name]![leaf]!]);
        }
      }
    }
  }
  for (const [name, list] of lists) {
    const plan = emptyPlan();
    list(plan).push({ id: 'x', userId: 'u', groupId: 'g', before: { disabled: false }, after: { disabled: false } });
    plans.push([name, plan]);
  }
  return plans;
}

test('writesAnything agrees with the steps apply() runs, for every list of the plan (skips and counts write nothing)', () => {
  assert.equal(writesAnything(emptyPlan()), false);
  const plans = plansWithOneList();
  assert.ok(plans.length >= 17, `found ${plans.length} lists`);
  for (const [name, plan] of plans) {
    const stepsWrite = applySteps(plan).some((s) => s.rows.length > 0);
    assert.equal(writesAnything(plan), stepsWrite, name);
  }
});

test('updates check as free only the unique values their rows take anew, or all of a vacated row', () => {
  const plan = emptyPlan();
  const user = (username: string, email: string | null) => ({ username, email, firstName: 'F', lastName: 'L', displayName: 'D', isAdmin: false, emailVerified: true, disabled: false });
  const change = (id: string, before: ReturnType<typeof user>, after: ReturnType<typeof user>) => ({ id, dn: `uid=${id}`, before, after, changed: [] });
  plan.users.update.push(
    change('u1', user('ann', 'ann@x'), user('ann', 'ann@x')),
    change('u2', user('bob', 'bob@x'), user('bobby', 'bob@x')),
    change('u3', user('cy', 'cy@x'), user('cy', null)),
    change('u4', user('dee', 'dee@x'), user('dee', 'dee@x')),
  );
  plan.vacate.userIds.push('u4');
  const group = (name: string) => ({ name, friendlyName: name });
  plan.groups.update.push({ id: 'g1', dn: 'cn=a', before: group('a'), after: group('a'), membersOnly: true }, { id: 'g2', dn: 'cn=b', before: group('b'), after: group('c'), membersOnly: false });
  const expected = (name: string) => {
    const found = applySteps(plan).find((s) => s.name === name);
    return found?.expect?.(found.rows);
  };
  assert.deepEqual(expected('update users')?.freeUserValues, { owners: ['u1', 'u2', 'u3', 'u4'], usernames: ['bobby', 'dee'], emails: ['dee@x'], ldapIds: [] });
  assert.deepEqual(expected('update groups')?.freeGroupValues, { owners: ['g1', 'g2'], names: ['c'], ldapIds: [] });
});

test("a step's size counts its rows without putting them in order; its rows come in primary-key order, sorted once", () => {
  const plan = emptyPlan();
  const member = (userId: string, groupId: string) => ({ userId, groupId, username: userId, groupName: groupId });
  plan.memberships.add.push(member('u2', 'g1'), member('u1', 'g2'), member('u1', 'g1'));
  const add = applySteps(plan).find((s) => s.name === 'add memberships')!;
  assert.equal(add.size, 3);
  assert.deepEqual(add.rows, [member('u1', 'g1'), member('u1', 'g2'), member('u2', 'g1')]);
  assert.equal(add.rows, add.rows, 'sorted once, then the same array');
});

test('new claims are written by owner and key, their ids handed out in that order', () => {
  const plan = emptyPlan();
  const claim = (id: string, ownerId: string, key: string) => ({ id, ownerId, key, before: null, after: `"${key}"`, owner: ownerId });
  plan.claims.users.create.push(claim('c3', 'u2', 'dept'), claim('c1', 'u1', 'phone'), claim('c4', 'u1', 'dept'), claim('c2', 'u2', 'phone'));
  const step = applySteps(plan).find((s) => s.name === 'insert user claims');
  const rows = step?.rows as { id: string; ownerId: string; key: string }[];
  assert.deepEqual(rows.map((c) => [c.ownerId, c.key, c.id]), [['u1', 'dept', 'c1'], ['u1', 'phone', 'c2'], ['u2', 'dept', 'c3'], ['u2', 'phone', 'c4']]);
  assert.deepEqual(plan.claims.users.create.map((c) => c.id), ['c3', 'c1', 'c4', 'c2'], 'the plan itself is left as it was');
});
