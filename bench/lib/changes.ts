/**
 * Turns the "1 % changed" model into LDAP operations on the running
 * directory, as the rootDN (no limits): modrdn for username renames, modify
 * for attribute changes, one modify per group for all its member changes
 * (what refint would do for deletions and renames), then the deletes.
 */
import { Attribute, Change, Client } from 'ldapts';
import { groupDn, userDn, type DirectoryModel, type GroupEntry, type UserEntry } from './model.js';

export interface ChangeOps {
  modifyDn: number;
  userModifies: number;
  groupModifies: number;
  memberValuesDeleted: number;
  memberValuesAdded: number;
  deletes: number;
}

type Op = (client: Client) => Promise<void>;

const USER_ATTRIBUTES = ['givenName', 'sn', 'displayName', 'mail'] as const;

function replace(type: string, value: string): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });
}

export function planChanges(before: DirectoryModel, after: DirectoryModel): { phases: Op[][]; ops: ChangeOps } {
  const ops: ChangeOps = { modifyDn: 0, userModifies: 0, groupModifies: 0, memberValuesDeleted: 0, memberValuesAdded: 0, deletes: 0 };
  const renames: Op[] = [];
  const modifies: Op[] = [];
  const deletes: Op[] = [];
  const renamed = new Set<number>();
  before.users.forEach((old, i) => {
    const now = after.users[i];
    if (!old) return;
    if (!now) {
      ops.deletes += 1;
      deletes.push((c) => c.del(userDn(old)));
      return;
    }
    if (old.uid !== now.uid) {
      renamed.add(i);
      ops.modifyDn += 1;
      renames.push((c) => c.modifyDN(userDn(old), `uid=${now.uid}`));
    }
    const changes = USER_ATTRIBUTES.filter((a) => old[a] !== now[a]).map((a) => replace(a, now[a]));
    if (old.displayName !== now.displayName) changes.push(replace('cn', now.displayName));
    if (changes.length > 0) {
      ops.userModifies += 1;
      modifies.push((c) => c.modify(userDn(now), changes));
    }
  });

  const groups: Op[] = [];
  before.groups.forEach((old: GroupEntry, g) => {
    const now = after.groups[g];
    if (!now) return;
    const oldSet = new Set(old.members);
    const newSet = new Set(now.members);
    const removed = old.members.filter((m) => !newSet.has(m) || renamed.has(m));
    const added = now.members.filter((m) => !oldSet.has(m) || renamed.has(m));
    if (removed.length === 0 && added.length === 0) return;
    const dnsOf = (model: DirectoryModel, members: number[]) =>
      members.map((m) => model.users[m]).filter((u): u is UserEntry => u !== undefined).map(userDn);
    const changes: Change[] = [];
    // Add first: a groupOfNames must never be left without a member in between.
    if (added.length > 0) changes.push(new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: dnsOf(after, added) }) }));
    if (removed.length > 0) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: dnsOf(before, removed) }) }));
    ops.groupModifies += 1;
    ops.memberValuesAdded += added.length;
    ops.memberValuesDeleted += removed.length;
    groups.push((c) => c.modify(groupDn(now), changes));
  });
  return { phases: [renames, modifies, groups, deletes], ops };
}

/** Runs the phases in order, each with a few operations in flight on one connection. */
export async function applyChanges(url: string, adminDn: string, adminPassword: string, phases: Op[][], concurrency = 8): Promise<void> {
  const client = new Client({ url, timeout: 120_000 });
  await client.bind(adminDn, adminPassword);
  try {
    for (const phase of phases) {
      const queue = [...phase];
      const worker = async () => {
        for (let op = queue.shift(); op; op = queue.shift()) await op(client);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    }
  } finally {
    await client.unbind();
  }
}
