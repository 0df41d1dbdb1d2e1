import type { Membership } from '../sync/types.js';
import { byCodeUnits } from '../text/code-unit-order.js';

/**
 * Each row's key as its rank among the distinct keys in ascending order:
 * one map lookup per row (numbered as first seen), then the distinct keys
 * sorted once and the numbers translated.
 */
function ranked(memberships: Membership[], key: (m: Membership) => string): { of: Int32Array; count: number } {
  const seen = new Map<string, number>();
  const of = new Int32Array(memberships.length);
  memberships.forEach((m, i) => {
    const k = key(m);
    let n = seen.get(k);
    if (n === undefined) seen.set(k, (n = seen.size));
    of[i] = n;
  });
  const rank = new Int32Array(seen.size);
  [...seen].sort((a, b) => byCodeUnits(a[0], b[0])).forEach(([, n], r) => (rank[n] = r));
  for (let i = 0; i < of.length; i++) of[i] = rank[of[i] as number] as number;
  return { of, count: seen.size };
}

/** Sorts order[from, to) by `key` of its entries: an insertion sort, the ranges are one user's few groups. */
function insertionSort(order: Int32Array, from: number, to: number, key: Int32Array): void {
  for (let i = from + 1; i < to; i++) {
    const entry = order[i] as number;
    const k = key[entry] as number;
    let j = i - 1;
    for (; j >= from && (key[order[j] as number] as number) > k; j--) order[j + 1] = order[j] as number;
    order[j + 1] = entry;
  }
}

/**
 * Memberships in the primary-key order of user_groups_users, (user_id,
 * user_group_id): inserting in index order is what keeps a million-row
 * insert near the engine's speed (measured on SQLite: 3.2 s in order, 15.7 s
 * at random). Ids are ranked once, rows placed by user rank (a counting sort)
 * and each user's rows sorted by group rank: at L, 1,000,000 memberships in
 * 0.5 s instead of 0.75-1.2 s with string comparisons (docs/performance-history.md, "1 December,
 * afternoon: PostgreSQL's initial apply"); on PostgreSQL while the server runs the first statement (apply()).
 */
export function inPrimaryKeyOrder(memberships: Membership[]): Membership[] {
  const users = ranked(memberships, (m) => m.userId);
  const groups = ranked(memberships, (m) => m.groupId);
  const start = new Int32Array(users.count + 1);
  for (const u of users.of) start[u + 1] += 1;
  for (let u = 0; u < users.count; u++) start[u + 1] += start[u] as number;
  const order = new Int32Array(memberships.length);
  const next = start.slice(0, users.count);
  users.of.forEach((u, i) => (order[(next[u] as number)++] = i));
  for (let u = 0; u < users.count; u++) insertionSort(order, start[u] as number, start[u + 1] as number, groups.of);
  const out = new Array<Membership>(memberships.length);
  for (let i = 0; i < order.length; i++) out[i] = memberships[order[i] as number] as Membership;
  return out;
}
