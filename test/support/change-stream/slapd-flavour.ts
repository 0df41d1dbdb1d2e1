// The change stream spelt for OpenLDAP: inetOrgPerson users under
// ou=sync (the sync's base) with ou=archive beside it (outside the base),
// groupOfNames groups, 389-ds' nsAccountLock as the disabled flag (what
// src/ldap/account-status.ts reads on slapd; test/support/ns-account-lock.ts
// teaches slapd the attribute), description=hidden as "outside the filter".
import { ldifRecord, replace, spellFlavour, type DirectoryFlavour } from './flavour.js';
import { dnOf } from './member-values.js';
import type { DirectoryModel, Ou } from './model.js';

const ROOT = 'dc=example,dc=com';
const BASE = `ou=sync,${ROOT}`;
const PARENT: Record<Ou, string> = { people: `ou=people,${BASE}`, staff: `ou=staff,${BASE}`, archive: `ou=archive,${ROOT}` };

/** `pictures`: the images jpegPhoto may hold; null: no picture attribute configured. */
export function slapdFlavour(pictures: Buffer[] | null): DirectoryFlavour {
  return spellFlavour(
    {
      name: 'slapd',
      linkedMembers: false,
      groupNeedsMember: true,
      userDn: (user) => `uid=${user.uid},${PARENT[user.ou]}`,
      groupDn: (group) => `cn=${group.cn},ou=groups,${BASE}`,
      // modrdn replaces the RDN's uid and cn values.
      user: { department: 'departmentNumber', employee: 'employeeNumber', phones: 'telephoneNumber', picture: 'jpegPhoto', username: null },
      group: { costCentre: 'businessCategory', units: 'ou', name: null },
      disabled: (disabled) => replace('nsAccountLock', disabled ? ['TRUE'] : []),
      newUser: (user) => ({ objectClass: ['inetOrgPerson', 'extensibleObject'], uid: [user.uid], cn: [`${user.givenName} ${user.sn}`] }),
      newGroup: (group) => ({ objectClass: ['groupOfNames'], cn: [group.cn] }),
      settings: {
        LDAP_BASE: BASE,
        LDAP_USER_SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(!(description=hidden)))',
        LDAP_USER_GROUP_SEARCH_FILTER: '(&(objectClass=groupOfNames)(!(description=hidden)))',
        LDAP_SYNC_USER_CLAIMS: 'department=departmentNumber, employee_id=employeeNumber, phones=telephoneNumber[]',
        LDAP_SYNC_GROUP_CLAIMS: 'cost_centre=businessCategory, units=ou[]',
      },
      entries: { root: ROOT, filter: '(|(objectClass=inetOrgPerson)(objectClass=groupOfNames))', idAttribute: 'entryUUID' },
    },
    pictures,
  );
}

/** The starting directory as LDIF for slapadd: the reader, the OUs, the model's entries (none disabled: the lock attribute's schema comes later). */
export function slapdLdif(flavour: DirectoryFlavour, model: DirectoryModel): string {
  if (model.users.some((u) => u.disabled)) throw new Error('slapdLdif: nsAccountLock is not in the schema at load time');
  const ou = (dn: string) => ldifRecord(dn, { objectClass: ['organizationalUnit'], ou: [/^ou=([^,]+)/.exec(dn)?.[1] ?? ''] });
  const records = [
    ldifRecord(ROOT, { objectClass: ['dcObject', 'organization'], dc: ['example'], o: ['Example'] }),
    ldifRecord('cn=reader,dc=example,dc=com', { objectClass: ['organizationalRole', 'simpleSecurityObject'], cn: ['reader'], userPassword: ['readerpw'] }),
    ou(BASE),
    ...Object.values(PARENT).map(ou),
    ou(`ou=groups,${BASE}`),
    ...model.users.map((u) => ldifRecord(flavour.userDn(u), flavour.userAttributes(u))),
    ...model.groups.map((g) => ldifRecord(flavour.groupDn(g), flavour.groupAttributes(g, g.members.map((m) => dnOf({ model, flavour }, m))))),
  ];
  return `${records.join('\n\n')}\n`;
}
