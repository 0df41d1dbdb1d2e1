// Every directory vendor's quirks in one place: recognising the server from
// its root DSE, the settings that fit it, and the identifier formats that
// are specific to one vendor (Active Directory's objectGUID and objectSid).
import type { Client, Entry } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { SettingName } from '../config/settings.js';
import { decodeUtf8 } from '../text/go-text.js';
import { ldapIdFromBytes } from './ldap-id.js';
import { errorMessage } from '../log/error-message.js';

export type VendorKind = 'active-directory' | 'ad-lds' | 'samba' | 'openldap' | '389-ds' | 'freeipa' | 'lldap' | 'unknown';

export interface DetectedVendor {
  kind: VendorKind;
  /** For people: "Samba AD DC", "OpenLDAP", "389 Directory Server 2.3.1", ... */
  label: string;
  /** vendorVersion when the server publishes one. */
  version?: string;
  /** defaultNamingContext, else the first namingContexts value that is not cn=config or a changelog. */
  defaultBase?: string;
  /**
   * Speaks Active Directory's dialect: objectGUID/objectSid, userAccountControl,
   * ranged retrieval of large multi-valued attributes (AD, AD LDS, Samba).
   */
  activeDirectoryCompatible: boolean;
  /** The root DSE lists the paged-results control (1.2.840.113556.1.4.319). */
  pagedResults: boolean;
  /** The root DSE values the verdict rests on, for logs and `check`. */
  evidence: string[];
}

/** Root DSE attributes read for detection; asked for by name (AD does not expand "+"). */
export const ROOT_DSE_ATTRIBUTES = [
  'objectClass',
  'vendorName',
  'vendorVersion',
  'supportedCapabilities',
  'supportedControl',
  'namingContexts',
  'defaultNamingContext',
  'domainControllerFunctionality',
  'dnsHostName',
] as const;

/** Lower-cased root DSE attribute name → its values as text. */
export type RootDse = Map<string, string[]>;

const OID = {
  activeDirectory: '1.2.840.113556.1.4.800', // LDAP_CAP_ACTIVE_DIRECTORY_OID
  adLds: '1.2.840.113556.1.4.1851', // LDAP_CAP_ACTIVE_DIRECTORY_ADAM_OID
  pagedResults: '1.2.840.113556.1.4.319',
} as const;

/** Windows Server release of each domain controller functional level (MS-ADTS 6.1.4.4). */
const DC_LEVELS: Record<string, string> = {
  '0': 'Windows 2000', '2': 'Windows Server 2003', '3': 'Windows Server 2008', '4': 'Windows Server 2008 R2',
  '5': 'Windows Server 2012', '6': 'Windows Server 2012 R2', '7': 'Windows Server 2016 or later', '10': 'Windows Server 2025',
};

export function rootDseFromEntry(entry: Entry | undefined): RootDse {
  const dse: RootDse = new Map();
  if (!entry) return dse;
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'dn') continue;
    const values = (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? (decodeUtf8(v) ?? '') : String(v)));
    dse.set(key.toLowerCase(), values);
  }
  return dse;
}

function defaultBaseOf(dse: RootDse): string | undefined {
  const explicit = dse.get('defaultnamingcontext')?.[0];
  if (explicit) return explicit;
  return dse.get('namingcontexts')?.find((dn) => !/^(cn=config|cn=changelog|o=ipaca|cn=monitor)$/i.test(dn.trim()) && dn.trim() !== '');
}

/** The verdict from root DSE values alone: pure, so each vendor's answer is unit-tested. */
export function vendorFromRootDse(dse: RootDse): DetectedVendor {
  const has = (attribute: string, value: string) => (dse.get(attribute) ?? []).some((v) => v.trim().toLowerCase() === value.toLowerCase());
  const first = (attribute: string) => dse.get(attribute)?.[0]?.trim();
  const vendorName = first('vendorname') ?? '';
  const version = first('vendorversion');
  const defaultBase = defaultBaseOf(dse);
  const pagedResults = has('supportedcontrol', OID.pagedResults);
  const base = { ...(version ? { version } : {}), ...(defaultBase ? { defaultBase } : {}), pagedResults };
  const evidence: string[] = [];
  if (vendorName) evidence.push(`vendorName=${vendorName}`);
  if (version) evidence.push(`vendorVersion=${version}`);

  if (has('supportedcapabilities', OID.activeDirectory) || has('supportedcapabilities', OID.adLds)) {
    const lds = !has('supportedcapabilities', OID.activeDirectory);
    evidence.push(`supportedCapabilities=${lds ? OID.adLds : OID.activeDirectory}`);
    if (/samba/i.test(vendorName)) {
      return { kind: 'samba', label: 'Samba Active Directory domain controller', ...base, activeDirectoryCompatible: true, evidence };
    }
    const level = first('domaincontrollerfunctionality');
    if (level !== undefined) evidence.push(`domainControllerFunctionality=${level}`);
    const release = level !== undefined ? DC_LEVELS[level] : undefined;
    if (lds) {
      return { kind: 'ad-lds', label: 'Active Directory Lightweight Directory Services', ...base, activeDirectoryCompatible: true, evidence };
    }
    return {
      kind: 'active-directory',
      label: `Active Directory${release ? ` (${release} domain controller)` : ''}`,
      ...base,
      activeDirectoryCompatible: true,
      evidence,
    };
  }
  if (/^lldap$/i.test(vendorName) || /^lldap_/i.test(version ?? '')) {
    return { kind: 'lldap', label: `lldap${version ? ` ${version.replace(/^lldap_/i, '')}` : ''}`, ...base, activeDirectoryCompatible: false, evidence };
  }
  if (/^389 project$|fedora project|red hat|^netscape/i.test(vendorName) || /^389-directory\//i.test(version ?? '')) {
    const release = /^389-Directory\/([\d.]+)/i.exec(version ?? '')?.[1];
    if (has('namingcontexts', 'o=ipaca')) {
      evidence.push('namingContexts=o=ipaca');
      return { kind: 'freeipa', label: `FreeIPA (389 Directory Server${release ? ` ${release}` : ''})`, ...base, activeDirectoryCompatible: false, evidence };
    }
    return { kind: '389-ds', label: `389 Directory Server${release ? ` ${release}` : ''}`, ...base, activeDirectoryCompatible: false, evidence };
  }
  if (has('objectclass', 'OpenLDAProotDSE') || /openldap/i.test(vendorName)) {
    evidence.push('objectClass=OpenLDAProotDSE');
    return { kind: 'openldap', label: 'OpenLDAP', ...base, activeDirectoryCompatible: false, evidence };
  }
  return { kind: 'unknown', label: vendorName ? `unrecognised directory (${vendorName})` : 'unrecognised directory', ...base, activeDirectoryCompatible: false, evidence };
}

/** Minimal connection surface used here; ldapts' Client fits. */
export type RootDseReader = Pick<Client, 'search'>;

/**
 * Reads the root DSE and names the server. Never throws: a root DSE the bind
 * account may not read gives kind 'unknown' with the reason as evidence.
 * Called by the directory reader at the start of every run (one round trip).
 */
export async function detectVendor(client: RootDseReader): Promise<DetectedVendor> {
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [...ROOT_DSE_ATTRIBUTES],
    });
    return vendorFromRootDse(rootDseFromEntry(searchEntries[0]));
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0];
    return { kind: 'unknown', label: 'unrecognised directory', activeDirectoryCompatible: false, pagedResults: false, evidence: [`root DSE not readable: ${reason}`] };
  }
}

// ---------------------------------------------------------------------------
// Suggested settings

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

/** Active Directory's (and Samba's) mapping: what `check` suggests there, and what the Samba tests run with. */
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
 * For `check`: which directory this is, the settings that fit it, and where
 * the given configuration differs from them. Never throws (see detectVendor).
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

/** One log/`check` line: "Samba Active Directory domain controller (vendorName=..., supportedCapabilities=...)". */
export function describeVendor(vendor: DetectedVendor): string {
  return vendor.evidence.length > 0 ? `${vendor.label} (${vendor.evidence.join(', ')})` : vendor.label;
}

// ---------------------------------------------------------------------------
// Active Directory identifiers

/**
 * objectSid in its standard text form, S-1-5-21-…-RID (MS-DTYP 2.4.2.2): a
 * revision byte, a sub-authority count, a 48-bit big-endian identifier
 * authority (hex above 2^32, as Windows writes it), then little-endian 32-bit
 * sub-authorities. Null when the bytes are not a well-formed SID.
 */
export function sidToString(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  const revision = bytes[0] as number;
  const count = bytes[1] as number;
  if (revision !== 1 || count > 15 || bytes.length !== 8 + 4 * count) return null;
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + (bytes[i] as number);
  const authorityText = authority >= 2 ** 32 ? `0x${authority.toString(16).toUpperCase().padStart(12, '0')}` : String(authority);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = [`S-${revision}`, authorityText];
  for (let i = 0; i < count; i++) parts.push(String(view.getUint32(8 + 4 * i, true)));
  return parts.join('-');
}

/**
 * An objectGUID as Windows tools display it: the first three fields
 * byte-swapped (little-endian), e.g. bytes 92 9d 7d 8e 81 26 87 44 … →
 * 8e7d9d92-2681-4487-…. Not what Pocket ID stores (see ldapIdFromBytes):
 * for logs and for finding an entry in AD tools only. Null unless 16 bytes.
 */
export function windowsGuidString(bytes: Uint8Array): string | null {
  if (bytes.length !== 16) return null;
  const hex = (from: number, to: number, reverse: boolean) => {
    const slice = Array.from(bytes.subarray(from, to));
    return (reverse ? slice.reverse() : slice).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/**
 * The converter for the configured unique-identifier attribute. objectSid
 * becomes its S-1-5-… text (Pocket ID itself would store base64 of the 28
 * bytes, see docs/directories.md); every other attribute, objectGUID included, is
 * converted exactly as Pocket ID does, so a switch from the built-in sync
 * keeps every ldap_id.
 */
export function uniqueIdConverter(attribute: string): (bytes: Uint8Array) => string {
  if (attribute.toLowerCase() === 'objectsid') {
    return (bytes) => sidToString(bytes) ?? ldapIdFromBytes(bytes);
  }
  return ldapIdFromBytes;
}
