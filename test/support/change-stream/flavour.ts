// How one kind of directory spells the model (model.ts): DNs, attribute
// names, the disabled flag, what its server does to member values when an
// entry is renamed, moved or deleted. The generator emits DirectoryOps in
// these terms; applyOps sends them with ldapts as the directory's admin.
import { Attribute, Change, type Client } from 'ldapts';
import { uniqueIdConverter } from '../../../src/ldap/ldap-id.js';
import type { ModelGroup, ModelUser, Ou } from './model.js';

export type Values = (string | Buffer)[];

export interface AttributeChange {
  operation: 'add' | 'delete' | 'replace';
  type: string;
  values: Values;
}

export type DirectoryOp =
  | { kind: 'add'; dn: string; attributes: Record<string, Values> }
  | { kind: 'modify'; dn: string; changes: AttributeChange[] }
  | { kind: 'rename'; dn: string; newDn: string }
  | { kind: 'delete'; dn: string };

/** The parts of a user an operation can change, each written whole from the model's current values. */
export type UserField = 'names' | 'mail' | 'disabled' | 'hidden' | 'claims' | 'picture' | 'uid';
export type GroupField = 'hidden' | 'claims' | 'cn';

export interface DirectoryFlavour {
  name: 'slapd' | 'samba';
  /**
   * Member values follow renames and moves and vanish with their entry (Active Directory's linked
   * attributes). Without it (slapd) the generator rewrites member values itself, as the refint
   * overlay would, and now and then does not, leaving a value no entry has.
   */
  linkedMembers: boolean;
  /** groupOfNames must keep at least one member value. */
  groupNeedsMember: boolean;
  userDn(user: Pick<ModelUser, 'uid' | 'ou'>): string;
  groupDn(group: Pick<ModelGroup, 'cn'>): string;
  userAttributes(user: ModelUser): Record<string, Values>;
  groupAttributes(group: ModelGroup, memberDns: string[]): Record<string, Values>;
  userChanges(user: ModelUser, field: UserField): AttributeChange[];
  groupChanges(group: ModelGroup, field: GroupField): AttributeChange[];
  /** The LDAP settings that match this spelling (filters, claims, picture attribute). */
  settings: Record<string, string>;
  /** Where every entry of the stream lies (the base and the OU outside it), which filter finds them, their unique id. */
  entries: { root: string; filter: string; idAttribute: string };
}

/** A new DN for an entry: the RDN and the parent, as modifyDN takes them. */
export function renameOps(oldDn: string, newDn: string, extra: AttributeChange[]): DirectoryOp[] {
  const ops: DirectoryOp[] = [];
  if (oldDn !== newDn) ops.push({ kind: 'rename', dn: oldDn, newDn });
  if (extra.length > 0) ops.push({ kind: 'modify', dn: newDn, changes: extra });
  return ops;
}

export const OUS_IN_BASE: Ou[] = ['people', 'staff'];

function toChange(change: AttributeChange): Change {
  return new Change({ operation: change.operation, modification: new Attribute({ type: change.type, values: change.values as string[] }) });
}

/** Sends the operations in order, each one waited for: the stream's order is the directory's order. */
export async function applyOps(client: Client, ops: DirectoryOp[]): Promise<void> {
  for (const op of ops) {
    try {
      if (op.kind === 'add') {
        await client.add(op.dn, Object.entries(op.attributes).map(([type, values]) => new Attribute({ type, values: values as string[] })));
      } else if (op.kind === 'modify') {
        await client.modify(op.dn, op.changes.map(toChange));
      } else if (op.kind === 'rename') {
        await client.modifyDN(op.dn, op.newDn);
      } else {
        await client.del(op.dn);
      }
    } catch (error) {
      throw new Error(`directory refused ${describeOp(op)}: ${(error as Error).message}`);
    }
  }
}

/** Every entry of the stream's DN (lower case) → its ldap_id, converted as the sync converts it (src/ldap/ldap-id.ts). */
export async function readIds(client: Client, flavour: DirectoryFlavour): Promise<Map<string, string>> {
  const { root, filter, idAttribute } = flavour.entries;
  const convert = uniqueIdConverter(idAttribute);
  const { searchEntries } = await client.search(root, { scope: 'sub', filter, attributes: [idAttribute], explicitBufferAttributes: [idAttribute], paged: { pageSize: 500 } });
  const ids = new Map<string, string>();
  for (const entry of searchEntries) {
    const value = entry[idAttribute];
    const bytes = Array.isArray(value) ? value[0] : value;
    if (Buffer.isBuffer(bytes)) ids.set(entry.dn.toLowerCase(), convert(bytes));
  }
  return ids;
}

export function describeOp(op: DirectoryOp): string {
  const values = (v: Values) => v.map((x) => (typeof x === 'string' ? x : `<${x.length} bytes>`)).join('|');
  switch (op.kind) {
    case 'add':
      return `add ${op.dn}`;
    case 'modify':
      return `modify ${op.dn} ${op.changes.map((c) => `${c.operation} ${c.type}=${values(c.values)}`).join('; ')}`;
    case 'rename':
      return `rename ${op.dn} -> ${op.newDn}`;
    case 'delete':
      return `delete ${op.dn}`;
  }
}

/** One LDIF record; values that are not plain ASCII text are base64 (RFC 2849 SAFE-STRING). */
export function ldifRecord(dn: string, attributes: Record<string, Values>): string {
  const safe = (v: string) => /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(v) && !v.endsWith(' ');
  const line = (type: string, v: string | Buffer) =>
    typeof v === 'string' && safe(v) ? `${type}: ${v}` : `${type}:: ${Buffer.from(v).toString('base64')}`;
  const lines = [line('dn', dn)];
  for (const [type, values] of Object.entries(attributes)) for (const v of values) lines.push(line(type, v));
  return lines.join('\n');
}

/** An attribute with a value, or none: `replace` with no values removes it, present or not. */
export const optional = (value: string | Buffer | null | undefined): Values => (value === null || value === undefined || value === '' ? [] : [value]);

/** Attributes without values left out (an add must not carry empty ones). */
export function present(attributes: Record<string, Values>): Record<string, Values> {
  return Object.fromEntries(Object.entries(attributes).filter(([, values]) => values.length > 0));
}

export const replace = (type: string, values: Values): AttributeChange => ({ operation: 'replace', type, values });

/** Every change's attributes as one add: the entry as it would be after them. */
export function attributesOf(changes: AttributeChange[]): Record<string, Values> {
  return Object.fromEntries(changes.map((c) => [c.type, c.values]));
}

/** How a kind of directory names what the model holds; spellFlavour() turns it into a DirectoryFlavour. */
export interface Spelling {
  name: DirectoryFlavour['name'];
  linkedMembers: boolean;
  groupNeedsMember: boolean;
  userDn: DirectoryFlavour['userDn'];
  groupDn: DirectoryFlavour['groupDn'];
  /** Attribute names: the claims' attributes, the picture's, the username's when the RDN does not carry it. */
  user: { department: string; employee: string; phones: string; picture: string; username: string | null };
  group: { costCentre: string; units: string; name: string | null };
  /** The disabled flag as a change (nsAccountLock, userAccountControl). */
  disabled: (disabled: boolean) => AttributeChange;
  /** What every new user and group carries besides the model's values (object classes, RDN values). */
  newUser: (user: ModelUser) => Record<string, Values>;
  newGroup: (group: ModelGroup) => Record<string, Values>;
  settings: Record<string, string>;
  entries: DirectoryFlavour['entries'];
}

function spellUser(s: Spelling, user: ModelUser, field: UserField, pictures: Buffer[]): AttributeChange[] {
  switch (field) {
    case 'names':
      return [replace('givenName', [user.givenName]), replace('sn', [user.sn]), replace('displayName', optional(user.displayName))];
    case 'mail':
      return [replace('mail', [user.mail])];
    case 'disabled':
      return [s.disabled(user.disabled)];
    case 'hidden':
      return [replace('description', user.hidden ? ['hidden'] : [])];
    case 'claims':
      return [replace(s.user.department, optional(user.department)), replace(s.user.employee, optional(user.employee)), replace(s.user.phones, user.phones)];
    case 'picture':
      return [replace(s.user.picture, optional(user.picture === null ? null : pictures[user.picture]))];
    case 'uid':
      return s.user.username === null ? [] : [replace(s.user.username, [user.uid])];
  }
}

function spellGroup(s: Spelling, group: ModelGroup, field: GroupField): AttributeChange[] {
  switch (field) {
    case 'hidden':
      return [replace('description', group.hidden ? ['hidden'] : [])];
    case 'claims':
      return [replace(s.group.costCentre, optional(group.costCentre)), replace(s.group.units, group.units)];
    case 'cn':
      return s.group.name === null ? [] : [replace(s.group.name, [group.cn])];
  }
}

/** `pictures`: the images the picture attribute may hold; null: no picture attribute configured. */
export function spellFlavour(s: Spelling, pictures: Buffer[] | null): DirectoryFlavour {
  const images = pictures ?? [];
  const userFields: UserField[] = ['names', 'mail', 'disabled', 'hidden', 'claims', 'uid', ...(pictures ? ['picture' as const] : [])];
  const groupFields: GroupField[] = ['hidden', 'claims', 'cn'];
  return {
    name: s.name,
    linkedMembers: s.linkedMembers,
    groupNeedsMember: s.groupNeedsMember,
    userDn: s.userDn,
    groupDn: s.groupDn,
    userAttributes: (user) => present({ ...s.newUser(user), ...attributesOf(userFields.flatMap((f) => spellUser(s, user, f, images))) }),
    groupAttributes: (group, memberDns) => present({ ...s.newGroup(group), member: memberDns, ...attributesOf(groupFields.flatMap((f) => spellGroup(s, group, f))) }),
    userChanges: (user, field) => spellUser(s, user, field, images),
    groupChanges: (group, field) => spellGroup(s, group, field),
    settings: { ...s.settings, ...(pictures ? { LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: s.user.picture } : {}) },
    entries: s.entries,
  };
}
