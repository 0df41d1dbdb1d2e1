// Recognising the directory server from its root DSE. The behaviour never
// depends on the verdict alone (it follows what the server actually sends);
// the verdict is logged at the start of every run, guards settings only some
// servers honour (LDAP_SYNC_MEMBER_RANGE_SIZE), and lets `check` compare the
// configuration with the settings that usually fit (vendor-settings.ts).
import type { Client, Entry } from 'ldapts';
import { decodeUtf8 } from '../text/go-text.js';
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

/** One log/`check` line: "Samba Active Directory domain controller (vendorName=..., supportedCapabilities=...)". */
export function describeVendor(vendor: DetectedVendor): string {
  return vendor.evidence.length > 0 ? `${vendor.label} (${vendor.evidence.join(', ')})` : vendor.label;
}

/**
 * What an incremental run polls (docs/incremental.md). `usn`: Active Directory,
 * AD LDS and Samba stamp every change with uSNChanged, a counter of the domain
 * controller that served the read (highestCommittedUSN and dsServiceName in its
 * root DSE say which DC and how far it is). `timestamp`: everyone else has
 * modifyTimestamp (RFC 4512 operational attribute), whole seconds; OpenLDAP
 * also stamps every change with entryCSN (microseconds and a counter), so an
 * entry seen again with the same entryCSN is known unchanged without reading it.
 */
export type ChangeMarker =
  | { kind: 'usn'; attribute: 'uSNChanged'; version: 'uSNChanged' }
  | { kind: 'timestamp'; attribute: 'modifyTimestamp'; version?: 'entryCSN' };

export function changeMarkerOf(vendor: DetectedVendor): ChangeMarker {
  if (vendor.activeDirectoryCompatible) return { kind: 'usn', attribute: 'uSNChanged', version: 'uSNChanged' };
  if (vendor.kind === 'openldap') return { kind: 'timestamp', attribute: 'modifyTimestamp', version: 'entryCSN' };
  return { kind: 'timestamp', attribute: 'modifyTimestamp' };
}

/** The attributes a read asks for on every entry to follow changes. */
export function markerAttributes(marker: ChangeMarker): string[] {
  return marker.version && marker.version !== marker.attribute ? [marker.attribute, marker.version] : [marker.attribute];
}
