import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySteps, type ApplyStep } from '../../src/db/apply.js';
import { inPrimaryKeyOrder } from '../../src/db/membership-order.js';
import { countBatches, describeBatch, START, takeNextBatch } from '../../src/db/batches.js';
import type { Membership } from '../../src/sync/types.js';
import { emptyPlan } from '../../src/sync/plan.js';

const step = (name: string, rows: number, weight: number): ApplyStep => ({ name, size: rows, rows: Array.from({ length: rows }, (_v, i) => i), weight: () => weight, run: async () => undefined });

/** Every batch at `budget`, each taken as a first one (no last batch: never halved). */
function all(steps: ApplyStep[], budget: number): string[] {
  const out: string[] = [];
  for (let taken = takeNextBatch(steps, START, budget, undefined); taken; taken = takeNextBatch(steps, taken.next, budget, undefined)) out.push(describeBatch(taken.batch));
  return out;
}

test('batches keep the step order, fill up to the budget across steps, and a row heavier than the budget goes alone', () => {
  const steps = [step('insert users', 5, 4), step('insert groups', 1, 3), step('add memberships', 5, 1), step('delete groups', 2, 40)];
  assert.deepEqual(all(steps, 8), [
    'insert users 2',
    'insert users 2',
    'insert users 1, insert groups 1, add memberships 1',
    'add memberships 4',
    'delete groups 1',
    'delete groups 1',
  ]);
  assert.deepEqual(all(steps, 1000), ['insert users 5, insert groups 1, add memberships 5, delete groups 2']);
  assert.deepEqual(all([step('empty', 0, 1)], 8), []);
});

test('a batch reaching rows of a step the last batch did not write is taken at half the budget', () => {
  const steps = [step('insert users', 10, 3), step('add memberships', 100, 1)];
  const taken: string[] = [];
  for (let next = takeNextBatch(steps, START, 12, undefined); next && taken.length < 5; next = takeNextBatch(steps, next.next, 12, next.batch)) {
    taken.push(describeBatch(next.batch));
  }
  // The first batch has nothing measured before it; the third would reach the memberships, the fourth is their first.
  assert.deepEqual(taken, ['insert users 4', 'insert users 4', 'insert users 2', 'add memberships 6', 'add memberships 12']);
});

test('countBatches counts exactly what takeNextBatch yields, from any point', () => {
  const steps = [step('a', 37, 4), step('b', 3, 3), step('c', 101, 1), step('d', 7, 2)];
  for (const budget of [1, 3, 4, 7, 8, 50, 1000]) {
    const taken: ReturnType<typeof takeNextBatch>[] = [];
    for (let next = takeNextBatch(steps, START, budget, undefined); next; next = takeNextBatch(steps, next.next, budget, next.batch)) taken.push(next);
    assert.equal(countBatches(steps, START, budget), taken.length, `budget ${budget}`);
    taken.forEach((batch, k) => {
      assert.equal(countBatches(steps, batch!.next, budget, batch!.batch.reached), taken.length - k - 1, `budget ${budget}, after ${k + 1}`);
    });
  }
  // Without a step change, never halved: the batches `all` takes.
  const one = [step('c', 101, 1)];
  assert.equal(countBatches(one, START, 8), all(one, 8).length);
});

test('memberships go in the primary-key order of user_groups_users: user id, then group id', () => {
  const m = (userId: string, groupId: string): Membership => ({ userId, groupId, groupName: groupId, username: userId });
  const sorted = inPrimaryKeyOrder([m('u2', 'g1'), m('u1', 'g9'), m('u2', 'g0'), m('u1', 'g1'), m('u10', 'g1')]);
  assert.deepEqual(sorted.map((x) => `${x.userId}/${x.groupId}`), ['u1/g1', 'u1/g9', 'u10/g1', 'u2/g0', 'u2/g1']);
  // Many users in many groups, given in group order as the plan makes them: the same order as comparing the ids.
  const many = Array.from({ length: 40 }, (_g, g) => Array.from({ length: 30 }, (_u, u) => m(`u${(u * 7 + g) % 50}`, `g${(g * 13) % 40}`))).flat();
  const key = (x: Membership) => `${x.userId}\u0000${x.groupId}`;
  assert.deepEqual(inPrimaryKeyOrder(many).map(key), many.map(key).sort());
});

test('apply steps: unique values freed first, creations before memberships and custom claims, disables and deletions last', () => {
  const empty = emptyPlan();
  assert.deepEqual(applySteps(empty).map((s) => s.name), [
    'vacate users', 'vacate groups', 'update users', 'insert users', 'update groups', 'insert groups',
    'remove memberships', 'add memberships',
    'delete user claims', 'delete group claims', 'update user claims', 'update group claims', 'insert user claims', 'insert group claims',
    'disable users', 'delete users', 'delete groups',
  ]);
  const plan = { ...empty, groups: { ...empty.groups, delete: [{ id: 'g', name: 'g', ldapId: 'l' }] } };
  const deleteGroups = applySteps(plan, () => 40_000).find((s) => s.name === 'delete groups');
  assert.equal(deleteGroups?.weight(deleteGroups.rows[0]), 40_005, 'a group deletion weighs its cascaded memberships');
});
