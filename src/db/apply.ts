import type { ClaimPlan, ClaimRemoval, ClaimWrite, Membership, NewClaim, NewGroup, NewUser, RemovedGroup, RemovedUser, SyncPlan, UserChange, GroupChange } from '../sync/types.js';
import type { CredentialTables, RevokedCredentials } from './credential-revocation.js';
import type { SyncWriter } from './database.js';
import { inPrimaryKeyOrder } from './membership-order.js';
import { byCodeUnits } from '../text/code-unit-order.js';
import { idsInOrder } from '../sync/new-row-ids.js';

/**
 * What a step expects of the rows it is about to write. SQLite checks it
 * inside the write lock, but only when another connection committed since the
 * plan was read: a lookup of these rows by key, never a re-read of everything.
 */
export interface Expectation {
  /** These rows still hold what the plan read (with the placeholder when `vacated` and this run vacated them). */
  users?: { ids: string[]; vacated: boolean };
  groups?: { ids: string[]; vacated: boolean };
  /** No row other than `owners` holds one of these unique values. */
  freeUserValues?: { owners: string[]; usernames: string[]; emails: string[]; ldapIds: string[] };
  freeGroupValues?: { owners: string[]; names: string[]; ldapIds: string[] };
  /** None of these memberships exists yet. */
  absentMemberships?: Membership[];
}

/**
 * One kind of write and the rows it covers, in the order they are written.
 *
 * Extending apply: a new kind of write is a new entry in applySteps(). Writes
 * that belong with some rows of an existing step (revoking the sessions of the
 * users a step disables or deletes, the custom claims of users it creates) go
 * into that step's `run`: whatever `run` does for a slice of rows lands in the
 * same transaction as those rows, on SQLite too, where a large plan is
 * committed in several transactions (src/db/batches.ts).
 */
export interface ApplyStep<T = unknown> {
  /** "insert users": for the batch log lines. */
  name: string;
  /** How many rows, known without putting them in order. */
  size: number;
  /** In the order they are written: sorted when first asked for (ordered()), so on PostgreSQL while the server runs the first statement (apply()). */
  rows: T[];
  /** What one row costs the database, in memberships inserted (1): sizes SQLite's batches. */
  weight: (row: T) => number;
  /** Returns the credentials it revoked along with the rows, if it revokes any. */
  run: (writer: SyncWriter, rows: T[], now: Date) => Promise<RevokedCredentials[] | void>;
  expect?: (rows: T[]) => Expectation;
}

/** A step of `rows`, put in their write order by `order` the first time the step's rows are asked for. */
function ordered<T>(definition: Omit<ApplyStep<T>, 'size' | 'rows'>, rows: T[], order: (rows: T[]) => T[]): ApplyStep<unknown> {
  let sorted: T[] | undefined;
  const step: ApplyStep<T> = {
    ...definition,
    size: rows.length,
    get rows() {
      return (sorted ??= order(rows));
    },
  };
  return step as unknown as ApplyStep<unknown>;
}

const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => byCodeUnits(a.id, b.id));
const inOrder = (rows: string[]) => [...rows].sort(byCodeUnits);
const byOwnerAndKey = <T extends { ownerId: string; key: string }>(rows: T[]) => [...rows].sort((a, b) => byCodeUnits(a.ownerId, b.ownerId) || byCodeUnits(a.key, b.key));
/** New claims by owner and key, their ids handed out in that order: the primary key grows at its right edge too (new-row-ids.ts). */
const newClaimsInOrder = (rows: NewClaim[]) => {
  const sorted = byOwnerAndKey(rows);
  const ids = idsInOrder(sorted);
  return sorted.map((claim, k) => ({ ...claim, id: ids[k] as string }));
};

/**
 * The plan as an ordered list of steps. The order keeps every unique index and
 * foreign key satisfied after each statement, and so at every commit: rows
 * that give up a unique value another row takes let go of it first (vacate),
 * then updates and creations, then the memberships that reference them, and
 * removals (disable, delete) last. Rows are written in primary-key order.
 * `memberCount` weighs a group deletion by the memberships it cascades to.
 * With `revoke`, the steps that disable or delete users revoke those users'
 * OAuth2 credentials in the same statements' transaction (src/db/credential-revocation.ts).
 */
export function applySteps(plan: SyncPlan, memberCount: (groupId: string) => number = () => 0, revoke: CredentialTables | null = null): ApplyStep[] {
  const revokeFor = async (w: SyncWriter, userIds: string[]) => (revoke && userIds.length > 0 ? w.revokeCredentials(userIds, revoke) : []);
  return [
    ...vacateSteps(plan),
    ...rowSteps(plan, revokeFor),
    ...membershipSteps(plan),
    // Custom claims after the users and groups they belong to exist; claims of rows deleted below cascade.
    ...claimSteps(plan.claims),
    ...removalSteps(plan, memberCount, revokeFor),
  ];
}

type RevokeFor = (w: SyncWriter, userIds: string[]) => Promise<RevokedCredentials[]>;

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

/** Rows that give up a unique value another row takes in this run. */
function vacateSteps({ vacate }: SyncPlan): ApplyStep[] {
  return [
    ordered<string>({
      name: 'vacate users',
      weight: () => 2,
      run: (w, rows) => w.vacateUsers(rows),
      expect: (rows) => ({ users: { ids: rows, vacated: false } }),
    }, vacate.userIds, inOrder),
    ordered<string>({
      name: 'vacate groups',
      weight: () => 2,
      run: (w, rows) => w.vacateGroups(rows),
      expect: (rows) => ({ groups: { ids: rows, vacated: false } }),
    }, vacate.groupIds, inOrder),
  ];
}

/**
 * The unique values updated rows take that they did not hold: a row that keeps its value (which the check of its
 * row confirms first) keeps every other row from holding it, by the unique index. A vacated row holds a placeholder.
 */
function takenValues<F, V>(rows: { id: string; before: F; after: F }[], vacated: ReadonlySet<string>, value: (fields: F) => V): V[] {
  return rows.filter((r) => vacated.has(r.id) || value(r.before) !== value(r.after)).map((r) => value(r.after));
}

/** Updates and creations of users and groups. */
function rowSteps({ users, groups, vacate }: SyncPlan, revokeFor: RevokeFor): ApplyStep[] {
  // LDAP_SYNC_DISABLED_ACCOUNTS: a user the directory marks disabled comes as an update.
  const newlyDisabled = (rows: UserChange[]) => ids(rows.filter((r) => !r.before.disabled && r.after.disabled));
  const vacatedUsers = new Set(vacate.userIds);
  const vacatedGroups = new Set(vacate.groupIds);
  return [
    ordered<UserChange>({
      name: 'update users',
      // Four unique indexes (id, username, email, ldap_id) and the check: measured about 4 times a membership.
      weight: () => 4,
      run: async (w, rows, now) => {
        await w.updateUsers(rows, now);
        return revokeFor(w, newlyDisabled(rows));
      },
      expect: (rows) => ({
        users: { ids: ids(rows), vacated: true },
        freeUserValues: { owners: ids(rows), usernames: takenValues(rows, vacatedUsers, (f) => f.username),
          emails: emails(takenValues(rows, vacatedUsers, (f) => f.email)), ldapIds: [] },
      }),
    }, users.update, byId),
    ordered<NewUser>({
      name: 'insert users',
      // SQLite at L: 9-14 µs a user since ids follow usernames (new-row-ids.ts; 23 µs before, at weight 4), 4-7 µs
      // a membership. The batch after the last users, sized on them, is halved (takeNextBatch, batches.ts).
      weight: () => 3,
      run: (w, rows, now) => w.insertUsers(rows, now),
      expect: (rows) => ({
        freeUserValues: { owners: [], usernames: rows.map((r) => r.username), emails: emails(rows.map((r) => r.email)), ldapIds: rows.map((r) => r.ldapId) },
      }),
    }, users.create, byId),
    ordered<GroupChange>({
      name: 'update groups',
      weight: () => 3,
      run: (w, rows, now) => w.updateGroups(rows, now),
      expect: (rows) => ({
        groups: { ids: ids(rows), vacated: true },
        freeGroupValues: { owners: ids(rows), names: takenValues(rows, vacatedGroups, (f) => f.name), ldapIds: [] },
      }),
    }, groups.update, byId),
    ordered<NewGroup>({
      name: 'insert groups',
      weight: () => 3,
      run: (w, rows, now) => w.insertGroups(rows, now),
      expect: (rows) => ({ freeGroupValues: { owners: [], names: rows.map((r) => r.name), ldapIds: rows.map((r) => r.ldapId) } }),
    }, groups.create, byId),
  ];
}

/** Memberships, once the rows they reference exist. */
function membershipSteps({ memberships }: SyncPlan): ApplyStep[] {
  return [
    ordered<Membership>({
      name: 'remove memberships',
      weight: () => 1,
      run: (w, rows) => w.removeMemberships(rows),
    }, memberships.remove, inPrimaryKeyOrder),
    ordered<Membership>({
      name: 'add memberships',
      weight: () => 1,
      run: (w, rows) => w.addMemberships(rows),
      expect: (rows) => ({ absentMemberships: rows }),
    }, memberships.add, inPrimaryKeyOrder),
  ];
}

/** Removals last: disabled and deleted users (their credentials revoked with them), deleted groups. */
function removalSteps({ users, groups }: SyncPlan, memberCount: (groupId: string) => number, revokeFor: RevokeFor): ApplyStep[] {
  return [
    ordered<RemovedUser>({
      name: 'disable users',
      weight: () => 2,
      run: async (w, rows, now) => {
        await w.disableUsers(ids(rows), now);
        return revokeFor(w, ids(rows));
      },
      expect: (rows) => ({ users: { ids: ids(rows), vacated: false } }),
    }, users.disable, byId),
    ordered<RemovedUser>({
      name: 'delete users',
      // Cascades to memberships, sessions, passkeys, audit logs, ...
      weight: () => 20,
      // Revoked first: the delete would cascade to reauthentication tokens unseen.
      run: async (w, rows) => {
        const revoked = await revokeFor(w, ids(rows));
        await w.deleteUsers(ids(rows));
        return revoked;
      },
      expect: (rows) => ({ users: { ids: ids(rows), vacated: true } }),
    }, users.delete, byId),
    ordered<RemovedGroup>({
      name: 'delete groups',
      weight: (g) => 5 + memberCount(g.id),
      run: (w, rows) => w.deleteGroups(ids(rows)),
      expect: (rows) => ({ groups: { ids: ids(rows), vacated: true } }),
    }, groups.delete, byId),
  ];
}

/**
 * The custom claim steps, after the users and groups they refer to are
 * written: removals first (they free (key, owner) pairs), then new values,
 * then new rows. Claims of rows the run deletes are not in the plan: ON DELETE
 * CASCADE takes them with their owner. No expectation: a claim an admin
 * changed meanwhile is simply written again by the next run.
 */
function claimSteps(claims: ClaimPlan): ApplyStep[] {
  // New claims by owner (ids in the order users and groups are inserted), then key: one owner's rows
  // lie together in the table, so the next run's sequential read meets them one after another and
  // finds their owner once (src/sync/plan-claims.ts). Measured with 300,000 claims of 100,000 users,
  // the insert itself is no slower than in id order (PostgreSQL 6.5-10.2 s vs 8.3-10.0 s, SQLite
  // 5.5-5.6 s vs 6.9-10.0 s on a loaded machine): foreign-key probes and the (key, owner) index go in order.
  // Their ids are handed out in that order too (newClaimsInOrder). Changed and removed rows, found by key and owner, go in it too.
  // Weight 3: a claim row costs SQLite about two and a half memberships (300,000 claims added 4.4 s to
  // the initial apply of L, where 1,000,000 memberships take about 6 s: random ids into the primary key,
  // a text value, the (key, owner) index); at weight 1 a batch sized on memberships held the lock 1.35 s.
  const CLAIM_WEIGHT = 3;
  const sides = [
    { owner: 'user', changes: claims.users },
    { owner: 'group', changes: claims.groups },
  ] as const;
  return [
    ...sides.map(({ owner, changes }) =>
      ordered<ClaimRemoval>({ name: `delete ${owner} claims`, weight: () => CLAIM_WEIGHT, run: (w, rows) => w.deleteClaims(owner, rows) }, changes.delete, byOwnerAndKey),
    ),
    ...sides.map(({ owner, changes }) =>
      ordered<ClaimWrite>({ name: `update ${owner} claims`, weight: () => CLAIM_WEIGHT, run: (w, rows) => w.updateClaims(owner, rows) }, changes.update, byOwnerAndKey),
    ),
    ...sides.map(({ owner, changes }) =>
      ordered<NewClaim>({ name: `insert ${owner} claims`, weight: () => CLAIM_WEIGHT, run: (w, rows, now) => w.insertClaims(owner, rows, now) }, changes.create, newClaimsInOrder),
    ),
  ];
}

function emails(values: (string | null)[]): string[] {
  return values.filter((v): v is string => v !== null);
}

/**
 * Executes every step (applySteps) through a writer, inside the caller's single transaction (PostgreSQL); returns what
 * it revoked, once the last statement has succeeded. The steps' rows are put in order while the server runs the first
 * statement instead of before it: at L the memberships' and claims' order took 0.7-0.8 s of the transaction before
 * its first write (docs/performance-history.md, "1 December, evening: PostgreSQL's initial sync").
 */
export async function apply(steps: ApplyStep[], writer: SyncWriter, now: Date): Promise<RevokedCredentials[]> {
  const revoked: RevokedCredentials[] = [];
  writer.meanwhile(() => {
    for (const s of steps) void s.rows;
  });
  for (const s of steps) if (s.size > 0) revoked.push(...((await s.run(writer, s.rows, now)) ?? []));
  await writer.settle();
  return revoked;
}

/**
 * Whether the plan writes anything at all: a plan that does not opens no
 * write transaction. Counted from the plan's lists, which are exactly the
 * rows of applySteps() (test/unit/apply-steps.test.ts holds the two together).
 */
export function writesAnything({ users, groups, memberships, vacate, claims }: SyncPlan): boolean {
  const lists = [
    users.create, users.update, users.disable, users.delete, groups.create, groups.update, groups.delete,
    memberships.add, memberships.remove, vacate.userIds, vacate.groupIds,
    claims.users.create, claims.users.update, claims.users.delete, claims.groups.create, claims.groups.update, claims.groups.delete,
  ];
  return lists.some((list) => list.length > 0);
}

/** The first expectation of the steps (in step order) that the database no longer meets, or null. */
export async function firstMismatch(steps: ApplyStep[], check: (expectation: Expectation) => Promise<string | null>): Promise<string | null> {
  for (const s of steps) {
    if (s.size === 0 || !s.expect) continue;
    const reason = await check(s.expect(s.rows));
    if (reason !== null) return reason;
  }
  return null;
}
