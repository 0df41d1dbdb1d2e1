// The change stream spelt for Samba's Active Directory: users and groups under
// OU=Sync (the sync's base) with OU=Archive beside it (outside the base),
// sAMAccountName as the username (renamed with the RDN), userAccountControl's
// ACCOUNTDISABLE as the disabled flag, description=hidden as "outside the
// filter". Member values are linked attributes: the DC itself makes them
// follow renames and moves and drops them with a deleted entry.
import { AD_BASE, UAC_DISABLED, UAC_ENABLED } from '../samba.js';
import { ldifRecord, replace, spellFlavour, type DirectoryFlavour } from './flavour.js';
import { dnOf } from './member-values.js';
import type { DirectoryModel, Ou } from './model.js';

const BASE = `OU=Sync,${AD_BASE}`;
const PARENT: Record<Ou, string> = { people: `OU=People,${BASE}`, staff: `OU=Staff,${BASE}`, archive: `OU=Archive,${AD_BASE}` };
const GROUPS = `OU=Groups,${BASE}`;

/** `pictures`: the images thumbnailPhoto may hold; null: no picture attribute configured. */
export function sambaFlavour(pictures: Buffer[] | null): DirectoryFlavour {
  return spellFlavour(
    {
      name: 'samba',
      linkedMembers: true,
      groupNeedsMember: false,
      userDn: (user) => `CN=${user.uid},${PARENT[user.ou]}`,
      groupDn: (group) => `CN=${group.cn},${GROUPS}`,
      user: { department: 'department', employee: 'employeeID', phones: 'otherTelephone', picture: 'thumbnailPhoto', username: 'sAMAccountName' },
      group: { costCentre: 'info', units: 'url', name: 'sAMAccountName' },
      disabled: (disabled) => replace('userAccountControl', [String(disabled ? UAC_DISABLED : UAC_ENABLED)]),
      newUser: (user) => ({ objectClass: ['user'], userPrincipalName: [`k${user.key}@ad.example.test`] }),
      newGroup: () => ({ objectClass: ['group'] }),
      settings: {
        LDAP_BASE: BASE,
        LDAP_USER_SEARCH_FILTER: '(&(objectClass=user)(objectCategory=person)(!(description=hidden)))',
        LDAP_USER_GROUP_SEARCH_FILTER: '(&(objectClass=group)(!(description=hidden)))',
        LDAP_SYNC_USER_CLAIMS: 'department=department, employee_id=employeeID, phones=otherTelephone[]',
        LDAP_SYNC_GROUP_CLAIMS: 'cost_centre=info, units=url[]',
      },
      entries: { root: AD_BASE, filter: '(|(objectClass=user)(objectClass=group))', idAttribute: 'objectGUID' },
    },
    pictures,
  );
}

/**
 * The starting directory as LDIF for scripts/samba-ad.sh (ldbmodify offline): the OUs, the users, the
 * groups with their user members, then the group members as modifications (a member's entry must exist).
 */
export function sambaLdif(flavour: DirectoryFlavour, model: DirectoryModel): string {
  const ou = (dn: string) => ldifRecord(dn, { objectClass: ['organizationalUnit'], ou: [/^OU=([^,]+)/.exec(dn)?.[1] ?? ''] });
  const records = [ou(BASE), ...Object.values(PARENT).map(ou), ou(GROUPS), ...model.users.map((u) => ldifRecord(flavour.userDn(u), flavour.userAttributes(u)))];
  const ctx = { model, flavour };
  for (const g of model.groups) records.push(ldifRecord(flavour.groupDn(g), flavour.groupAttributes(g, g.members.filter((m) => 'user' in m).map((m) => dnOf(ctx, m)))));
  for (const g of model.groups) {
    const nested = g.members.filter((m) => 'group' in m).map((m) => `member: ${dnOf(ctx, m)}`);
    if (nested.length > 0) records.push([`dn: ${flavour.groupDn(g)}`, 'changetype: modify', 'add: member', ...nested, '-'].join('\n'));
  }
  return `${records.join('\n\n')}\n`;
}
