// What happens to member values when the entry they point at gets a new DN or
// goes away. Active Directory does it itself (linked attributes); on slapd the
// stream does what the refint overlay would (rewrite or remove the values,
// which changes the groups), or, now and then, nothing: the value then names
// no entry, as in a directory without referential integrity, until an entry is
// created or moved to that DN.
import type { DirectoryFlavour, DirectoryOp } from './flavour.js';
import { sameRef, type DirectoryModel, type MemberRef, type ModelGroup } from './model.js';

export interface Context {
  model: DirectoryModel;
  flavour: DirectoryFlavour;
}

type EntityRef = { user: number } | { group: number };

export function dnOf(ctx: Context, ref: MemberRef): string {
  if ('user' in ref) return ctx.flavour.userDn(ctx.model.users[ref.user]!);
  if ('group' in ref) return ctx.flavour.groupDn(ctx.model.groups[ref.group]!);
  return ref.dn;
}

const sameDn = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** After an entry was created or moved to `dn`: values that named nobody now name it. */
export function adopt(ctx: Context, ref: EntityRef, dn: string): void {
  for (const group of ctx.model.existingGroups()) {
    group.members = group.members.map((m) => ('dn' in m && sameDn(m.dn, dn) ? ref : m));
  }
}

/** Whether this change keeps member values consistent (AD always; slapd mostly, as refint would). */
export function withIntegrity(ctx: Context): boolean {
  return ctx.flavour.linkedMembers || ctx.model.chance(0.85);
}

/**
 * The entry `ref` moved from oldDn to newDn (the model already says newDn): the groups' member values
 * follow (refint's modifies on slapd) or stay behind as values naming nobody.
 */
export function followMove(ctx: Context, ref: EntityRef, oldDn: string, newDn: string, integrity: boolean): DirectoryOp[] {
  const ops: DirectoryOp[] = [];
  for (const group of ctx.model.referencing(ref)) {
    if (ctx.flavour.linkedMembers) continue;
    if (!integrity) {
      group.members = group.members.map((m) => (sameRef(m, ref) ? { dn: oldDn } : m));
      continue;
    }
    const holdsNewDn = group.members.some((m) => 'dn' in m && sameDn(m.dn, newDn));
    if (holdsNewDn) group.members = group.members.filter((m) => !sameRef(m, ref));
    const changes = [
      ...(holdsNewDn ? [] : [{ operation: 'add' as const, type: 'member', values: [newDn] }]),
      { operation: 'delete' as const, type: 'member', values: [oldDn] },
    ];
    ops.push({ kind: 'modify', dn: ctx.flavour.groupDn(group), changes });
  }
  adopt(ctx, ref, newDn);
  return ops;
}

/** A user not yet among the group's member values, to keep a groupOfNames from becoming empty. */
function standIn(ctx: Context, group: ModelGroup): number | undefined {
  const candidates = ctx.model.existingUsers().filter((u) => !group.members.some((m) => sameRef(m, { user: u.key })));
  return ctx.model.pick(candidates)?.key;
}

/** The entry `ref` (at dn) is about to be deleted: its member values go (refint, AD) or stay naming nobody. */
export function followDelete(ctx: Context, ref: EntityRef, dn: string, integrity: boolean): DirectoryOp[] {
  const ops: DirectoryOp[] = [];
  for (const group of ctx.model.referencing(ref)) {
    const rest = group.members.filter((m) => !sameRef(m, ref));
    const keep = integrity && rest.length === 0 && ctx.flavour.groupNeedsMember ? standIn(ctx, group) : undefined;
    if (!integrity || (rest.length === 0 && ctx.flavour.groupNeedsMember && keep === undefined)) {
      group.members = group.members.map((m) => (sameRef(m, ref) ? { dn } : m));
      continue;
    }
    group.members = keep === undefined ? rest : [...rest, { user: keep }];
    if (ctx.flavour.linkedMembers) continue;
    const changes = [
      ...(keep === undefined ? [] : [{ operation: 'add' as const, type: 'member', values: [dnOf(ctx, { user: keep })] }]),
      { operation: 'delete' as const, type: 'member', values: [dn] },
    ];
    ops.push({ kind: 'modify', dn: ctx.flavour.groupDn(group), changes });
  }
  return ops;
}
