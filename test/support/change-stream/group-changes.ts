// The stream's changes to groups: member values added and removed (users,
// nested groups, the admin group's), groups added, deleted, renamed by modrdn
// (to and from the admin group's name), leaving and re-entering the group
// filter, custom claim attributes.
import type { DirectoryOp, GroupField } from './flavour.js';
import { adopt, dnOf, followDelete, followMove, withIntegrity, type Context } from './member-values.js';
import { ADMIN_GROUP, sameRef, type MemberRef, type ModelGroup } from './model.js';
import type { ChangeMaker, StreamChange } from './user-changes.js';

const memberChange = (ctx: Context, group: ModelGroup, operation: 'add' | 'delete', ref: MemberRef): DirectoryOp => ({
  kind: 'modify',
  dn: ctx.flavour.groupDn(group),
  changes: [{ operation, type: 'member', values: [dnOf(ctx, ref)] }],
});

const modify = (ctx: Context, group: ModelGroup, field: GroupField): DirectoryOp => ({
  kind: 'modify',
  dn: ctx.flavour.groupDn(group),
  changes: ctx.flavour.groupChanges(group, field),
});

/** A quarter of the member edits go to the admin group, when one exists. */
function someGroup(ctx: Context, where: (g: ModelGroup) => boolean = () => true): ModelGroup | undefined {
  const admins = ctx.model.adminGroup();
  if (admins && where(admins) && ctx.model.chance(0.25)) return admins;
  return ctx.model.pick(ctx.model.existingGroups().filter(where));
}

const holds = (group: ModelGroup, ref: MemberRef) => group.members.some((m) => sameRef(m, ref));

function addMember(ctx: Context, group: ModelGroup, ref: MemberRef, what: string): StreamChange {
  group.members.push(ref);
  return { what, ops: [memberChange(ctx, group, 'add', ref)] };
}

const addUserMember: ChangeMaker = (ctx) => {
  const group = someGroup(ctx);
  if (!group) return null;
  const { model, flavour } = ctx;
  if (!flavour.linkedMembers && model.chance(0.1)) {
    // A DN no entry has yet: a later user add may land on it.
    const dn = flavour.userDn({ uid: model.freshUid(), ou: 'people' });
    return holds(group, { dn }) ? null : addMember(ctx, group, { dn }, `add ${dn} (no such entry) to ${group.cn}`);
  }
  const user = model.pick(model.existingUsers().filter((u) => !holds(group, { user: u.key })));
  return user ? addMember(ctx, group, { user: user.key }, `add ${user.uid} to ${group.cn}`) : null;
};

const addGroupMember: ChangeMaker = (ctx) => {
  const group = someGroup(ctx);
  const member = ctx.model.pick(ctx.model.existingGroups().filter((g) => g !== group && group && !holds(group, { group: g.key })));
  return group && member ? addMember(ctx, group, { group: member.key }, `nest ${member.cn} in ${group.cn}`) : null;
};

function removeMember(ctx: Context, kind: 'user' | 'group'): StreamChange | null {
  const minimum = ctx.flavour.groupNeedsMember ? 2 : 1;
  const group = someGroup(ctx, (g) => g.members.length >= minimum && g.members.some((m) => kind in m || (kind === 'user' && 'dn' in m)));
  if (!group) return null;
  const ref = ctx.model.pick(group.members.filter((m) => kind in m || (kind === 'user' && 'dn' in m)));
  if (!ref) return null;
  const op = memberChange(ctx, group, 'delete', ref);
  group.members = group.members.filter((m) => !sameRef(m, ref));
  return { what: `remove ${dnOf(ctx, ref)} from ${group.cn}`, ops: [op] };
}

const removeUserMember: ChangeMaker = (ctx) => removeMember(ctx, 'user');
const removeGroupMember: ChangeMaker = (ctx) => removeMember(ctx, 'group');

const addGroup: ChangeMaker = (ctx) => {
  const { model, flavour } = ctx;
  const users = model.existingUsers();
  const members: MemberRef[] = [...new Set(Array.from({ length: 1 + model.int(4) }, () => model.pick(users)?.key))]
    .filter((k): k is number => k !== undefined)
    .map((user) => ({ user }));
  const nested = model.chance(0.3) ? model.pick(model.existingGroups()) : undefined;
  if (nested) members.push({ group: nested.key });
  if (members.length === 0) return null;
  const group = model.newGroup(model.adminGroup() || model.chance(0.7) ? model.freshGroupName() : ADMIN_GROUP, members);
  const dn = flavour.groupDn(group);
  const op: DirectoryOp = { kind: 'add', dn, attributes: flavour.groupAttributes(group, members.map((m) => dnOf(ctx, m))) };
  adopt(ctx, { group: group.key }, dn);
  return { what: `add group ${group.cn}`, ops: [op] };
};

const deleteGroup: ChangeMaker = (ctx) => {
  const group = ctx.model.pick(ctx.model.existingGroups().filter((g) => g.cn !== ADMIN_GROUP || ctx.model.chance(0.2)));
  if (!group) return null;
  const dn = ctx.flavour.groupDn(group);
  const integrity = withIntegrity(ctx);
  const ops = followDelete(ctx, { group: group.key }, dn, integrity);
  group.exists = false;
  return { what: `delete group ${group.cn}${integrity ? '' : ' (member values left behind)'}`, ops: [...ops, { kind: 'delete', dn }] };
};

const renameGroup: ChangeMaker = (ctx) => {
  const { model, flavour } = ctx;
  const group = model.pick(model.existingGroups());
  if (!group) return null;
  const before = group.cn;
  const oldDn = flavour.groupDn(group);
  // Renames to and from the admin group's name move the admin flag of all its members.
  group.cn = !model.adminGroup() && model.chance(0.4) ? ADMIN_GROUP : model.freshGroupName();
  const newDn = flavour.groupDn(group);
  const integrity = withIntegrity(ctx);
  const extra = flavour.groupChanges(group, 'cn');
  const ops: DirectoryOp[] = [{ kind: 'rename', dn: oldDn, newDn }, ...(extra.length > 0 ? [{ kind: 'modify' as const, dn: newDn, changes: extra }] : [])];
  ops.push(...followMove(ctx, { group: group.key }, oldDn, newDn, integrity));
  return { what: `rename group ${before} to ${group.cn}${integrity ? '' : ' (member values left behind)'}`, ops };
};

const toggleHidden: ChangeMaker = (ctx) => {
  const hidden = ctx.model.chance(0.5) ? ctx.model.pick(ctx.model.existingGroups().filter((g) => g.hidden)) : undefined;
  const group = hidden ?? ctx.model.pick(ctx.model.existingGroups());
  if (!group) return null;
  group.hidden = !group.hidden;
  return { what: `${group.hidden ? 'take' : 'bring'} group ${group.cn} ${group.hidden ? 'out of' : 'back into'} the group filter`, ops: [modify(ctx, group, 'hidden')] };
};

const changeClaims: ChangeMaker = (ctx) => {
  const { model } = ctx;
  const group = model.pick(model.existingGroups());
  if (!group) return null;
  if (model.chance(0.5)) group.costCentre = model.chance(0.3) ? null : String(4700 + model.int(20));
  else group.units = Array.from({ length: model.int(3) }, () => `unit${model.int(9)}`).filter((u, i, all) => all.indexOf(u) === i);
  return { what: `change claim attributes of group ${group.cn}`, ops: [modify(ctx, group, 'claims')] };
};

/** Weight of each change among the groups' (relative). */
export const GROUP_CHANGES: [ChangeMaker, number][] = [
  [addUserMember, 10], [removeUserMember, 8], [addGroupMember, 4], [removeGroupMember, 3], [addGroup, 3],
  [deleteGroup, 1], [renameGroup, 2], [toggleHidden, 2], [changeClaims, 4],
];
