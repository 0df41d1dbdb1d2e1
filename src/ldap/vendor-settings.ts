// The settings that usually fit each kind of directory, and where a
// configuration differs from them: `check` prints the comparison, and the
// tests and the benchmark run with AD_SETTINGS and OPENLDAP_SETTINGS.
import type { LdapSettings } from '../config/config.js';
import type { SettingName } from '../config/settings.js';
import { describeVendor, detectVendor, type DetectedVendor, type RootDseReader, type VendorKind } from './vendors.js';

export interface SuggestedSetting {
  name: SettingName;
  value: string;
  /** What the configuration says now, when compared with one (inspectDirectory with settings). */
  current?: string;
}

export interface DirectoryInspection {
  vendor: DetectedVendor;
  /** Settings that fit this kind of directory, in the order of docs/directories.md. */
  suggested: SuggestedSetting[];
  /** Suggestions that differ from the configuration given (empty without one). */
  differences: SuggestedSetting[];
  /** Vendor-specific advice, one sentence each. */
  notes: string[];
}

type Suggestion = Partial<Record<SettingName, string>>;

/** Active Directory's (and Samba's) mapping: what `check` compares with there, and what the Samba tests run with. */
export const AD_SETTINGS: Suggestion = {
  LDAP_USER_SEARCH_FILTER: '(&(objectClass=user)(objectCategory=person))',
  LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=group)',
  LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'objectGUID',
  LDAP_ATTRIBUTE_USER_USERNAME: 'sAMAccountName',
  LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
  LDAP_ATTRIBUTE_USER_FIRST_NAME: 'givenName',
  LDAP_ATTRIBUTE_USER_LAST_NAME: 'sn',
  LDAP_ATTRIBUTE_USER_DISPLAY_NAME: 'displayName',
  LDAP_ATTRIBUTE_GROUP_MEMBER: 'member',
  LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'objectGUID',
  LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
  LDAP_SYNC_PAGE_SIZE: '500',
  LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
};

/**
 * The standard schema mapping (inetOrgPerson users, groupOfNames groups,
 * entryUUID ids): OpenLDAP's suggestion, the base the other RFC-schema
 * directories vary, and what the tests and the benchmark run with.
 */
export const OPENLDAP_SETTINGS: Suggestion = {
  LDAP_USER_SEARCH_FILTER: '(objectClass=inetOrgPerson)',
  LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=groupOfNames)',
  LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'entryUUID',
  LDAP_ATTRIBUTE_USER_USERNAME: 'uid',
  LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
  LDAP_ATTRIBUTE_USER_FIRST_NAME: 'givenName',
  LDAP_ATTRIBUTE_USER_LAST_NAME: 'sn',
  LDAP_ATTRIBUTE_USER_DISPLAY_NAME: 'displayName',
  LDAP_ATTRIBUTE_GROUP_MEMBER: 'member',
  LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'entryUUID',
  LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
};

const AD_NOTES = [
  'objectGUID is stored exactly as Pocket ID stores it (bytes in wire order, not the form Windows tools display), so switching from the built-in sync keeps every ldap_id.',
  'Groups with more than 1500 members are read completely through range retrieval.',
  'LDAP_SYNC_NESTED_GROUPS=true gives groups the members of their member groups, as Windows does for access checks.',
  'Disabled accounts (userAccountControl bit 0x2) become disabled Pocket ID users with LDAP_SYNC_DISABLED_ACCOUNTS=true; without it they stay enabled unless the user filter excludes them.',
  'Search continuation references (CN=Configuration, DomainDnsZones) returned from the domain root are ignored.',
];

const SUGGESTIONS: Record<VendorKind, { settings: Suggestion; notes: string[] }> = {
  'active-directory': {
    settings: AD_SETTINGS,
    notes: [...AD_NOTES, 'Active Directory caps a page at MaxPageSize (1000 by default): keep LDAP_SYNC_PAGE_SIZE at or below it.'],
  },
  samba: {
    settings: AD_SETTINGS,
    notes: [...AD_NOTES, 'Samba refuses simple binds on plain ldap:// unless "ldap server require strong auth = no": use ldaps:// or LDAP_START_TLS=true.'],
  },
  'ad-lds': {
    settings: { ...AD_SETTINGS, LDAP_USER_SEARCH_FILTER: '(objectClass=user)', LDAP_ATTRIBUTE_USER_USERNAME: 'cn' },
    notes: [
      'AD LDS users have no sAMAccountName: cn (or userPrincipalName, if every user has one) is the username.',
      'AD LDS marks disabled accounts with msDS-UserAccountDisabled=TRUE, which LDAP_SYNC_DISABLED_ACCOUNTS=true reads (not tested against a real AD LDS).',
    ],
  },
  openldap: {
    settings: OPENLDAP_SETTINGS,
    notes: [
      'For groupOfUniqueNames use LDAP_USER_GROUP_SEARCH_FILTER=(objectClass=groupOfUniqueNames) and LDAP_ATTRIBUTE_GROUP_MEMBER=uniqueMember; for posixGroup, (objectClass=posixGroup) and memberUid.',
      'OpenLDAP does not expand nested groups in member: LDAP_SYNC_NESTED_GROUPS=true does it in the sync.',
    ],
  },
  '389-ds': {
    settings: {
      ...OPENLDAP_SETTINGS,
      LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'nsUniqueId',
      LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'nsUniqueId',
      LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
    },
    notes: [
      'nsUniqueId exists on every entry; entryUUID only where the entryUUID plugin ran (an offline import assigns none until a fixup task).',
      'Locked accounts (nsAccountLock=TRUE) become disabled Pocket ID users with LDAP_SYNC_DISABLED_ACCOUNTS=true.',
    ],
  },
  freeipa: {
    settings: {
      ...OPENLDAP_SETTINGS,
      LDAP_USER_SEARCH_FILTER: '(objectClass=person)',
      LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=ipausergroup)',
      LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'ipaUniqueID',
      LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'ipaUniqueID',
      LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
    },
    notes: [
      'Set LDAP_BASE to cn=accounts under the domain (users in cn=users, groups in cn=groups).',
      'A wrong group unique-ID attribute makes every group look new (Pocket ID issue #362): ipaUniqueID is right for FreeIPA user groups.',
      'Disabled FreeIPA users carry nsAccountLock=TRUE: LDAP_SYNC_DISABLED_ACCOUNTS=true follows it.',
      'FreeIPA\'s memberOf already includes indirect groups, but member does not: LDAP_SYNC_NESTED_GROUPS=true expands nesting.',
    ],
  },
  lldap: {
    settings: {
      ...OPENLDAP_SETTINGS,
      LDAP_USER_SEARCH_FILTER: '(objectClass=person)',
      LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'uuid',
      LDAP_ATTRIBUTE_USER_DISPLAY_NAME: 'cn',
      LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'uuid',
    },
    notes: [
      'These are lldap\'s published Pocket ID settings (user_id, first_name and last_name are aliases of uid, givenName and sn).',
      'lldap has no nested groups and no disabled flag; it does not list the paged-results control and answers a search in one piece.',
    ],
  },
  unknown: { settings: {}, notes: ['The directory was not recognised from its root DSE: no settings are suggested.'] },
};

/** The settings and notes for one kind of directory; LDAP_BASE from the root DSE when it names one. */
export function suggestSettings(vendor: DetectedVendor): { suggested: SuggestedSetting[]; notes: string[] } {
  const { settings, notes } = SUGGESTIONS[vendor.kind];
  const suggested: SuggestedSetting[] = [];
  if (vendor.defaultBase && vendor.kind !== 'freeipa') suggested.push({ name: 'LDAP_BASE', value: vendor.defaultBase });
  if (vendor.defaultBase && vendor.kind === 'freeipa') suggested.push({ name: 'LDAP_BASE', value: `cn=accounts,${vendor.defaultBase}` });
  for (const [name, value] of Object.entries(settings) as [SettingName, string][]) suggested.push({ name, value });
  return { suggested, notes: [...notes] };
}

/** The configured value of a suggested setting, for comparison; undefined for settings not compared. */
function currentValue(settings: LdapSettings, name: SettingName): string | undefined {
  const a = settings.attributes;
  const values: Partial<Record<SettingName, string | undefined>> = {
    LDAP_BASE: settings.base,
    LDAP_USER_SEARCH_FILTER: settings.userFilter,
    LDAP_USER_GROUP_SEARCH_FILTER: settings.groupFilter,
    LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: a.userUniqueId,
    LDAP_ATTRIBUTE_USER_USERNAME: a.username,
    LDAP_ATTRIBUTE_USER_EMAIL: a.email,
    LDAP_ATTRIBUTE_USER_FIRST_NAME: a.firstName,
    LDAP_ATTRIBUTE_USER_LAST_NAME: a.lastName,
    LDAP_ATTRIBUTE_USER_DISPLAY_NAME: a.displayName,
    LDAP_ATTRIBUTE_GROUP_MEMBER: a.groupMember,
    LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: a.groupUniqueId,
    LDAP_ATTRIBUTE_GROUP_NAME: a.groupName,
    LDAP_SYNC_PAGE_SIZE: String(settings.pageSize),
    LDAP_SYNC_DISABLED_ACCOUNTS: String(settings.syncDisabledAccounts),
  };
  return values[name];
}

function sameValue(name: SettingName, suggested: string, current: string): boolean {
  // Attribute names and DNs compare case-insensitively; filters and numbers exactly (after trimming).
  if (name.startsWith('LDAP_ATTRIBUTE_') || name === 'LDAP_BASE') return suggested.trim().toLowerCase() === current.trim().toLowerCase();
  // Any page size the server accepts is fine; Active Directory's cap is 1000.
  if (name === 'LDAP_SYNC_PAGE_SIZE') return Number(current) <= 1000;
  return suggested.trim() === current.trim();
}

/**
 * Which directory this is, the settings that fit it, and where the given
 * configuration differs from them (`check` prints it). Never throws (see detectVendor).
 */
export async function inspectDirectory(client: RootDseReader, settings?: LdapSettings): Promise<DirectoryInspection> {
  const vendor = await detectVendor(client);
  const { suggested, notes } = suggestSettings(vendor);
  const differences: SuggestedSetting[] = [];
  if (settings) {
    for (const suggestion of suggested) {
      const current = currentValue(settings, suggestion.name);
      if (current === undefined) continue;
      suggestion.current = current;
      if (!sameValue(suggestion.name, suggestion.value, current)) differences.push(suggestion);
    }
  }
  return { vendor, suggested, differences, notes };
}

/** The `check` line's text: the directory, and the settings that differ from the usual ones for it. */
export function describeInspection(inspection: DirectoryInspection): string {
  const directory = describeVendor(inspection.vendor);
  if (inspection.suggested.length === 0) return `${directory}; no usual settings to compare the configuration with`;
  if (inspection.differences.length === 0) return `${directory}; the LDAP settings match the usual ones for it`;
  const differences = inspection.differences.map((d) => `${d.name}=${d.value} (configured: ${d.current})`);
  return `${directory}; settings that differ from the usual ones for it: ${differences.join(', ')}`;
}
