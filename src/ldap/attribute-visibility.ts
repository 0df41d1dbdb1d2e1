// Whether the bind account may read the attributes whose absence would
// re-enable or un-admin someone: the disabled flag (LDAP_SYNC_DISABLED_ACCOUNTS)
// and the admin group's member attribute. Directories do not say "hidden":
// an attribute an ACL hides is simply left out of the entry, exactly as if it
// were not set. How to find out depends on the server:
//   389-ds, FreeIPA: the get-effective-rights control (1.3.6.1.4.1.42.2.27.9.5.2)
//                    names the bind account's rights on each requested attribute;
//                    389 answers it for the bind account's own rights.
//   AD, Samba:       userAccountControl is set on every user: an entry without it
//                    is one the reader may not see it on.
//   OpenLDAP, others: no probe (no get-effective-rights by default); the re-enable
//                    guard's fallback in src/sync/reenable-guard.ts applies.
import { Control, EqualityFilter, type BerWriter, type Client, type Entry } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { SyncFailure } from '../sync/failure.js';
import type { DetectedVendor } from './vendors.js';

const GET_EFFECTIVE_RIGHTS_OID = '1.3.6.1.4.1.42.2.27.9.5.2';

/** The request value is the subject as an authzId, "dn:<DN>", as 389-ds reads it. */
class GetEffectiveRightsControl extends Control {
  constructor(private readonly authzId: string) {
    super(GET_EFFECTIVE_RIGHTS_OID, { critical: false });
  }

  protected override writeControl(writer: BerWriter): void {
    writer.writeString(this.authzId);
  }
}

export interface HiddenAttribute {
  attribute: string;
  /** The entry the probe looked at. */
  entryDn: string;
  /** The whole sentence for logs and `check`: what is hidden, what it would do, the ACL to fix. */
  message: string;
}

export interface VisibilityReport {
  hidden: HiddenAttribute[];
  /** What was verified readable and how, for `check`. */
  verified: string[];
  /** Attributes that could not be probed on this server (the re-enable guard's fallback covers them). */
  unprobed: string[];
}

/** Counted with the re-enable guard's refusals: both stop a plan from trusting what the reader may not see. */
export class HiddenAttributeError extends SyncFailure {
  constructor(readonly hidden: HiddenAttribute[]) {
    super('reenable_guard', `${hidden.map((h) => h.message).join('; ')}; nothing was changed`);
    this.name = 'HiddenAttributeError';
  }
}

interface Target {
  attribute: string;
  filter: string;
  /** What a hidden value would do, for the message. */
  effect: string;
}

/** Every value of an attribute as text, whatever case the server spelled its name in. */
function valuesOf(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/** "nsAccountLock:none, uid:rsc" → the rights letters of one attribute ("none", "rsc", ...; undefined when not listed). */
export function rightsOf(attributeLevelRights: string[], attribute: string): string | undefined {
  for (const part of attributeLevelRights.join(', ').split(',')) {
    const [name, rights] = part.trim().split(':');
    if (name !== undefined && name.toLowerCase() === attribute.toLowerCase()) return (rights ?? '').trim();
  }
  return undefined;
}

function aciFix(attribute: string, settings: LdapSettings): string {
  return (
    `grant read, search and compare on it, e.g. on ${settings.base}: aci: (targetattr="${attribute}")(version 3.0; acl "pocket-id-ldap-sync"; ` +
    `allow (read, search, compare) userdn="ldap:///${settings.bindDn}";)`
  );
}

async function probeWithEffectiveRights(client: Client, settings: LdapSettings, target: Target): Promise<HiddenAttribute | 'readable' | 'no-entry'> {
  const { searchEntries } = await client.search(
    settings.base,
    { scope: 'sub', filter: target.filter, sizeLimit: 1, attributes: [target.attribute, 'attributeLevelRights'] },
    new GetEffectiveRightsControl(`dn:${settings.bindDn}`),
  );
  const entry = searchEntries[0];
  if (!entry) return 'no-entry';
  const rights = rightsOf(valuesOf(entry, 'attributeLevelRights'), target.attribute);
  if (rights !== undefined && rights.includes('r')) return 'readable';
  return {
    attribute: target.attribute,
    entryDn: entry.dn,
    message:
      `the bind account ${settings.bindDn} may not read ${target.attribute} on ${entry.dn} (get-effective-rights: ${target.attribute}:${rights ?? 'not listed'}), ` +
      `so ${target.effect}; ${aciFix(target.attribute, settings)}`,
  };
}

async function probeUserAccountControl(client: Client, settings: LdapSettings): Promise<HiddenAttribute | 'readable' | 'no-entry'> {
  const { searchEntries } = await client.search(settings.base, { scope: 'sub', filter: settings.userFilter, sizeLimit: 1, attributes: ['userAccountControl'] });
  const entry = searchEntries[0];
  if (!entry) return 'no-entry';
  if (valuesOf(entry, 'userAccountControl').length > 0) return 'readable';
  return {
    attribute: 'userAccountControl',
    entryDn: entry.dn,
    message:
      `the bind account ${settings.bindDn} does not see userAccountControl on ${entry.dn}, which every Active Directory user has, ` +
      `so a disabled account would look enabled; grant the account "Read userAccountControl" (Read Property) on the user objects`,
  };
}

function targets(settings: LdapSettings, adminGroupName: string): { flag?: Target; member?: Target } {
  const result: { flag?: Target; member?: Target } = {};
  if (settings.syncDisabledAccounts) {
    result.flag = { attribute: 'nsAccountLock', filter: settings.userFilter, effect: 'a locked account would look unlocked and be re-enabled' };
  }
  const { groupMember, groupName } = settings.attributes;
  if (adminGroupName !== '' && groupMember !== '') {
    const byName = new EqualityFilter({ attribute: groupName, value: adminGroupName }).toString();
    result.member = { attribute: groupMember, filter: `(&${settings.groupFilter}${byName})`, effect: `the admin group "${adminGroupName}" would look empty and its members lose the admin flag` };
  }
  return result;
}

/** One look at the rights this bind account has on the attributes that matter; reads only. */
export async function inspectAttributeVisibility(client: Client, settings: LdapSettings, vendor: DetectedVendor, adminGroupName: string): Promise<VisibilityReport> {
  const report: VisibilityReport = { hidden: [], verified: [], unprobed: [] };
  const { flag, member } = targets(settings, adminGroupName);
  const record = (attribute: string, how: string, outcome: HiddenAttribute | 'readable' | 'no-entry') => {
    if (outcome === 'readable') report.verified.push(`${attribute} (${how})`);
    else if (outcome === 'no-entry') report.unprobed.push(`${attribute} (no entry to probe)`);
    else report.hidden.push(outcome);
  };
  if (vendor.kind === '389-ds' || vendor.kind === 'freeipa') {
    if (flag) record(flag.attribute, 'get-effective-rights', await probeWithEffectiveRights(client, settings, flag));
    if (member) record(member.attribute, 'get-effective-rights', await probeWithEffectiveRights(client, settings, member));
    return report;
  }
  if (flag && (vendor.kind === 'active-directory' || vendor.kind === 'samba')) {
    record('userAccountControl', 'read on a user', await probeUserAccountControl(client, settings));
  } else if (flag) {
    report.unprobed.push(`the disabled flag (no rights probe on ${vendor.label})`);
  }
  if (member) report.unprobed.push(`${member.attribute} (no rights probe on ${vendor.label})`);
  return report;
}

/** Settings that decide what the probe looks at: a change of any of them probes again. */
function probeKey(settings: LdapSettings, adminGroupName: string): string {
  const { url, bindDn, base, userFilter, groupFilter, syncDisabledAccounts, attributes } = settings;
  return JSON.stringify([url, bindDn, base, userFilter, groupFilter, syncDisabledAccounts, attributes.groupMember, attributes.groupName, adminGroupName]);
}

/** Probe results that passed, per configuration: a process probes once, and again after a configuration change. */
const passed = new Set<string>();

/**
 * Throws HiddenAttributeError when the bind account may not read an attribute
 * whose absence the plan would trust. Runs on a process's first sync (and
 * after a configuration change); a failure is never cached, so fixing the
 * ACL is picked up by the next run.
 */
export async function verifyAttributesReadable(client: Client, settings: LdapSettings, vendor: DetectedVendor, adminGroupName: string, log: Logger): Promise<void> {
  const key = probeKey(settings, adminGroupName);
  if (passed.has(key)) return;
  const report = await inspectAttributeVisibility(client, settings, vendor, adminGroupName);
  if (report.hidden.length > 0) throw new HiddenAttributeError(report.hidden);
  if (report.verified.length > 0) log.info('Bind account may read the attributes the sync trusts', { verified: report.verified.join(', ') });
  if (report.unprobed.length > 0) log.debug('Attributes not probed; the re-enable guard covers them', { unprobed: report.unprobed.join(', ') });
  passed.add(key);
}
