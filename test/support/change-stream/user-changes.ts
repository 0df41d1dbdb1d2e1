// The stream's changes to users: adds, names, mail (another user's too), renames by modrdn, moves
// within and out of the base, deletions, the disabled flag, leaving and
// re-entering the user filter, custom claim attributes, pictures. Each returns
// null when the model has nothing it applies to.
import type { DirectoryOp, UserField } from './flavour.js';
import { adopt, followDelete, followMove, withIntegrity, type Context } from './member-values.js';
import { type ModelUser, type Ou } from './model.js';

export interface StreamChange {
  what: string;
  ops: DirectoryOp[];
}

export type ChangeMaker = (ctx: Context) => StreamChange | null;

const modify = (ctx: Context, user: ModelUser, field: UserField): DirectoryOp => ({
  kind: 'modify',
  dn: ctx.flavour.userDn(user),
  changes: ctx.flavour.userChanges(user, field),
});

function someUser(ctx: Context, where: (u: ModelUser) => boolean = () => true): ModelUser | undefined {
  return ctx.model.pick(ctx.model.existingUsers().filter(where));
}

/** A dangling member value's uid, when one is free: the new user then lands on a DN a group already names. */
function danglingUid(ctx: Context): { uid: string; ou: Ou } | undefined {
  for (const group of ctx.model.existingGroups()) {
    for (const m of group.members) {
      if (!('dn' in m)) continue;
      const uid = /^[^=]+=([^,]+),/.exec(m.dn)?.[1];
      const ou = (['people', 'staff'] as Ou[]).find((o) => uid !== undefined && ctx.flavour.userDn({ uid, ou: o }).toLowerCase() === m.dn.toLowerCase());
      if (uid !== undefined && ou !== undefined && ctx.model.uidFree(uid)) return { uid, ou };
    }
  }
  return undefined;
}

const addUser: ChangeMaker = (ctx) => {
  const { model, flavour } = ctx;
  const onDangling = !flavour.linkedMembers && model.chance(0.4) ? danglingUid(ctx) : undefined;
  const user = model.newUser(onDangling?.uid ?? model.freshUid(), onDangling?.ou ?? (model.chance(0.7) ? 'people' : 'staff'));
  user.disabled = model.chance(0.1);
  user.hidden = model.chance(0.05);
  if (model.chance(0.3)) user.department = model.pick(['R&D', 'Sales', 'Ops']) ?? null;
  if (model.chance(0.2) && flavour.settings.LDAP_ATTRIBUTE_USER_PROFILE_PICTURE) user.picture = model.int(3);
  const dn = flavour.userDn(user);
  const ops: DirectoryOp[] = [{ kind: 'add', dn, attributes: flavour.userAttributes(user) }];
  adopt(ctx, { user: user.key }, dn);
  // Not a group whose member value already names the new DN (adopt() made that value this user's).
  const named = model.referencing({ user: user.key });
  const group = model.chance(0.5) ? model.pick(model.existingGroups().filter((g) => !named.includes(g))) : undefined;
  if (group) {
    group.members.push({ user: user.key });
    ops.push({ kind: 'modify', dn: flavour.groupDn(group), changes: [{ operation: 'add', type: 'member', values: [dn] }] });
  }
  return { what: `add user ${user.uid}${onDangling ? ' (a DN a group already names)' : ''}`, ops };
};

const changeNames: ChangeMaker = (ctx) => {
  const user = someUser(ctx);
  if (!user) return null;
  const { model } = ctx;
  const which = model.int(3);
  if (which === 0) user.givenName = `${model.pick(['Anna', 'Jörg', 'Émile', 'Kim'])}${model.next()}`;
  else if (which === 1) user.sn = `Sn${model.next()}`;
  else user.displayName = model.chance(0.2) ? '' : `Display ${model.next()}`;
  return { what: `change names of ${user.uid}`, ops: [modify(ctx, user, 'names')] };
};

const changeMail: ChangeMaker = (ctx) => {
  const user = someUser(ctx);
  if (!user) return null;
  // Now and then a value Pocket ID refuses: the entry is skipped until it is fixed.
  user.mail = ctx.model.chance(0.1) ? `not-an-email-${ctx.model.next()}` : ctx.model.freshMail(user.uid);
  return { what: `change mail of ${user.uid} to ${user.mail}`, ops: [modify(ctx, user, 'mail')] };
};

/**
 * Another user's mail: one of the two is skipped (email-taken), the one whose row holds it keeps it; the
 * loser waits for the winner to let go. On slapd only: when two entries take one value in the same run, the
 * first in the directory's order wins, and Samba's order is not the kept copy's (docs/incremental.md, "Guarantees").
 */
const takeMail: ChangeMaker = (ctx) => {
  if (ctx.flavour.name !== 'slapd') return null;
  const user = someUser(ctx);
  const holder = user ? someUser(ctx, (u) => u !== user) : undefined;
  if (!user || !holder) return null;
  user.mail = holder.mail;
  return { what: `change mail of ${user.uid} to ${holder.uid}'s ${user.mail}`, ops: [modify(ctx, user, 'mail')] };
};

/** Any change of DN: a new uid (modrdn) or a new parent; member values follow or not (member-values.ts). */
function moveUser(ctx: Context, user: ModelUser, change: { uid?: string; ou?: Ou }, what: string): StreamChange {
  const oldDn = ctx.flavour.userDn(user);
  if (change.uid !== undefined) user.uid = change.uid;
  if (change.ou !== undefined) user.ou = change.ou;
  const newDn = ctx.flavour.userDn(user);
  const integrity = withIntegrity(ctx);
  const ops: DirectoryOp[] = [{ kind: 'rename', dn: oldDn, newDn }];
  const extra = change.uid === undefined ? [] : ctx.flavour.userChanges(user, 'uid');
  if (extra.length > 0) ops.push({ kind: 'modify', dn: newDn, changes: extra });
  ops.push(...followMove(ctx, { user: user.key }, oldDn, newDn, integrity));
  return { what: `${what}${integrity ? '' : ' (member values left behind)'}`, ops };
}

const renameUser: ChangeMaker = (ctx) => {
  const user = someUser(ctx);
  if (!user) return null;
  const uid = ctx.model.chance(0.1) ? `bad user${ctx.model.next()}` : ctx.model.freshUid();
  return moveUser(ctx, user, { uid }, `rename ${user.uid} to ${uid}`);
};

const moveWithinBase: ChangeMaker = (ctx) => {
  const user = someUser(ctx, (u) => u.ou !== 'archive');
  if (!user) return null;
  const ou: Ou = user.ou === 'people' ? 'staff' : 'people';
  return moveUser(ctx, user, { ou }, `move ${user.uid} to ${ou}`);
};

const moveOutOfBase: ChangeMaker = (ctx) => {
  const user = someUser(ctx, (u) => u.ou !== 'archive');
  return user ? moveUser(ctx, user, { ou: 'archive' }, `move ${user.uid} out of the base`) : null;
};

const moveBackIntoBase: ChangeMaker = (ctx) => {
  const user = someUser(ctx, (u) => u.ou === 'archive');
  return user ? moveUser(ctx, user, { ou: 'people' }, `move ${user.uid} back into the base`) : null;
};

const deleteUser: ChangeMaker = (ctx) => {
  const user = someUser(ctx);
  if (!user) return null;
  const dn = ctx.flavour.userDn(user);
  const integrity = withIntegrity(ctx);
  const ops = followDelete(ctx, { user: user.key }, dn, integrity);
  user.exists = false;
  return { what: `delete ${user.uid}${integrity ? '' : ' (member values left behind)'}`, ops: [...ops, { kind: 'delete', dn }] };
};

/** Half the toggles undo one: otherwise the stream would mostly set flags and rarely clear them. */
const toggled = (ctx: Context, flag: (u: ModelUser) => boolean) => (ctx.model.chance(0.5) ? someUser(ctx, flag) : undefined) ?? someUser(ctx);

const toggleDisabled: ChangeMaker = (ctx) => {
  const user = toggled(ctx, (u) => u.disabled);
  if (!user) return null;
  user.disabled = !user.disabled;
  return { what: `${user.disabled ? 'disable' : 'enable'} ${user.uid}`, ops: [modify(ctx, user, 'disabled')] };
};

const toggleHidden: ChangeMaker = (ctx) => {
  const user = toggled(ctx, (u) => u.hidden);
  if (!user) return null;
  user.hidden = !user.hidden;
  return { what: `${user.hidden ? 'take' : 'bring'} ${user.uid} ${user.hidden ? 'out of' : 'back into'} the user filter`, ops: [modify(ctx, user, 'hidden')] };
};

const changeClaims: ChangeMaker = (ctx) => {
  const user = someUser(ctx);
  if (!user) return null;
  const { model } = ctx;
  const which = model.int(3);
  if (which === 0) user.department = model.chance(0.3) ? null : `Dept ${model.int(5)}`;
  else if (which === 1) user.employee = model.chance(0.3) ? null : String(model.next());
  else user.phones = Array.from({ length: model.int(3) }, () => `+1 555 ${model.next()}`);
  return { what: `change claim attributes of ${user.uid}`, ops: [modify(ctx, user, 'claims')] };
};

const changePicture: ChangeMaker = (ctx) => {
  if (!ctx.flavour.settings.LDAP_ATTRIBUTE_USER_PROFILE_PICTURE) return null;
  const user = someUser(ctx);
  if (!user) return null;
  user.picture = ctx.model.chance(0.25) ? null : ctx.model.int(3);
  return { what: `${user.picture === null ? 'remove' : 'change'} the picture of ${user.uid}`, ops: [modify(ctx, user, 'picture')] };
};

/** Weight of each change among the users' (relative). */
export const USER_CHANGES: [ChangeMaker, number][] = [
  [addUser, 8], [changeNames, 8], [changeMail, 6], [takeMail, 2], [renameUser, 5], [moveWithinBase, 3], [moveOutOfBase, 3],
  [moveBackIntoBase, 2], [deleteUser, 4], [toggleDisabled, 6], [toggleHidden, 4], [changeClaims, 6], [changePicture, 2],
];
