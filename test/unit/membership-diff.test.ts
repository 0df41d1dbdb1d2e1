import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffMemberships, joinedMemberships, memberCounts, type MembershipDiff } from '../../src/sync/membership-diff.js';

const NONE: ReadonlySet<string> = new Set();

/** The diff with the added users' indexes turned into their ids. */
const byId = (diff: MembershipDiff, userIds: string[]) => ({ added: diff.added.map((rows) => rows.map((u) => userIds[u] as string)), removed: diff.removed });

const sorted = (diff: { added: string[][]; removed: string[][] }) => ({
  added: diff.added.map((ids) => [...ids].sort()),
  removed: diff.removed.map((ids) => [...ids].sort()),
});

test('an unchanged user is recognised from its joined group ids; changes come out per group', () => {
  const groupIds = ['g-b', 'g-a', 'g-c'];
  const userIds = ['u1', 'u2', 'u3'];
  // u1 holds exactly what it should; u2 left g-a for g-c; u3 is new to everything.
  const membersOf = [Int32Array.of(0, 1), Int32Array.of(0, 2), Int32Array.of(1, 2)];
  const current = new Map([['u1', 'g-a,g-b'], ['u2', 'g-a,g-b']]);
  assert.deepEqual(sorted(byId(diffMemberships(groupIds, membersOf, { ids: userIds, others: NONE }, current), userIds)), {
    added: [[], ['u3'], ['u2', 'u3']],
    removed: [[], ['u2'], []],
  });
});

test('a member listed twice is wanted once; ids in an order the fast comparison does not expect still compare right', () => {
  const diff = diffMemberships(['g1', 'g2'], [Int32Array.of(0, 0, 0), Int32Array.of(0)], { ids: ['u1'], others: NONE }, new Map([['u1', 'g2,g1']]));
  assert.deepEqual(diff, { added: [[], []], removed: [[], []] });
  const fresh = diffMemberships(['g1'], [Int32Array.of(0, 0)], { ids: ['u1'], others: NONE }, new Map());
  assert.deepEqual(fresh.added, [[0]]);
});

test('groups not listed are left alone; users not listed lose their memberships in listed groups only', () => {
  const current = new Map([
    ['u1', 'g1,local-group'],
    ['local-user', 'g1,local-group'],
  ]);
  const diff = diffMemberships(['g1'], [Int32Array.of(0)], { ids: ['u1'], others: new Set(['local-user']) }, current);
  assert.deepEqual(diff, { added: [[]], removed: [['local-user']] });
});

test('agrees with a plain set comparison on random memberships', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const groupIds = Array.from({ length: 1 + random(8) }, (_, g) => `g${random(1000)}-${g}`);
    const userIds = Array.from({ length: 1 + random(20) }, (_, u) => `u${u}`);
    const membersOf = groupIds.map(() => Int32Array.from({ length: random(12) }, () => random(userIds.length)));
    const pairs: { groupId: string; userId: string }[] = [];
    for (let k = random(40); k > 0; k--) {
      const userId = random(4) === 0 ? `local${random(3)}` : (userIds[random(userIds.length)] as string);
      const groupId = random(5) === 0 ? 'local-group' : (groupIds[random(groupIds.length)] as string);
      pairs.push({ groupId, userId });
    }
    const current = joinedMemberships(pairs);
    // Now and then a database that hands the ids over unsorted.
    if (random(3) === 0) for (const [userId, joined] of current) current.set(userId, joined.split(',').reverse().join(','));

    const expected = {
      added: groupIds.map((groupId, g) => [...new Set([...(membersOf[g] ?? [])].map((u) => userIds[u] as string))].filter((userId) => !pairs.some((p) => p.groupId === groupId && p.userId === userId))),
      removed: groupIds.map((groupId, g) => [...new Set(pairs.filter((p) => p.groupId === groupId).map((p) => p.userId))].filter((userId) => ![...(membersOf[g] ?? [])].some((u) => userIds[u] === userId))),
    };
    // The local users named as others, or left for the fallback map to tell apart.
    const others = random(2) === 0 ? new Set(['local0', 'local1', 'local2']) : NONE;
    assert.deepEqual(sorted(byId(diffMemberships(groupIds, membersOf, { ids: userIds, others }, current), userIds)), sorted(expected), `round ${round}`);
  }
});

test('joinedMemberships joins each user\'s group ids in ascending order; memberCounts counts members per group', () => {
  const joined = joinedMemberships([
    { groupId: 'b', userId: 'u1' },
    { groupId: 'a', userId: 'u1' },
    { groupId: 'a', userId: 'u1' },
    { groupId: 'b', userId: 'u2' },
  ]);
  assert.deepEqual([...joined], [['u1', 'a,b'], ['u2', 'b']]);
  assert.deepEqual([...memberCounts(joined)].sort(), [['a', 1], ['b', 2]]);
});
