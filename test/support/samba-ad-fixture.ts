// The directory and settings of the Samba AD suite (samba-ad.test.ts): six named users and 3 000
// more, groups nested in a cycle and one of 3 000 members, the environment each test starts from,
// and small helpers to read memberships back and change entries as the domain admin.
import { Attribute, Change, type Client } from 'ldapts';
import { bigUser, sambaConnectionEnv, userDn, type AdGroup, type AdUser, type SambaInstance } from './samba.js';
import { withLdapClient } from './sync-harness.js';
import type { TestDatabase } from './test-database.js';

export const BIG = 3000;
export const NAMED: AdUser[] = [
  { name: 'alice', givenName: 'Alice', sn: 'Archer' },
  { name: 'bob', givenName: 'Bob', sn: 'Builder' },
  { name: 'carol', givenName: 'Carol', sn: 'Cooper' },
  { name: 'dave', givenName: 'Dave', sn: 'Disabled', disabled: true },
  { name: 'erin', givenName: 'Erin', sn: 'Engel' },
  { name: 'frank', givenName: 'Frank', sn: 'Fischer' },
];
export const GROUPS: AdGroup[] = [
  { name: 'pocket-admins', users: ['alice'], groups: ['oncall'] },
  { name: 'oncall', users: ['erin'] },
  // eng ∋ platform ∋ sre ∋ eng: a cycle; all-staff sits above it.
  { name: 'eng', users: ['alice'], groups: ['platform'] },
  { name: 'platform', users: ['bob'], groups: ['sre'] },
  { name: 'sre', users: ['carol'], groups: ['eng'] },
  { name: 'all-staff', users: ['frank'], groups: ['eng'] },
  { name: 'disabled-team', users: ['dave'] },
  { name: 'big', users: Array.from({ length: BIG }, (_, i) => bigUser(i + 1)) },
];
export const USERS: AdUser[] = [...NAMED, ...Array.from({ length: BIG }, (_, i) => ({ name: bigUser(i + 1), givenName: 'Big', sn: `User ${i + 1}` }))];
/** Built-in accounts the AD user filter also matches; they have no mail, so REQUIRE_USER_EMAIL skips them. */
export const BUILT_IN_USERS = ['Administrator', 'Guest', 'dns-dc1', 'krbtgt'];

/** The settings of every test: `check`'s suggestion for AD over ldaps from the domain root, the extras off. */
export function adEnv(instance: SambaInstance, db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    // Exactly what `check` suggests for Active Directory, overridden below where the test needs it.
    ...sambaConnectionEnv(instance),
    // The domain root: subtree searches from here return continuation references (Configuration, DNS zones).
    LDAP_BASE: instance.baseDn,
    // The baseline is Pocket ID's behaviour; FEATURES turns the extras on.
    LDAP_SYNC_DISABLED_ACCOUNTS: 'false',
    LDAP_ADMIN_GROUP_NAME: 'pocket-admins',
    LDAP_SYNC_PAGE_SIZE: '1000',
    LDAP_TIMEOUT: '60',
    DB_CONNECTION_STRING: db.connectionString,
    ...overrides,
  };
}

/** Every AD feature on; Samba does not force ranges, so ask for ranges of 1000 (3 reads for 3 000 members). */
export const FEATURES = { LDAP_SYNC_NESTED_GROUPS: 'true', LDAP_SYNC_DISABLED_ACCOUNTS: 'true', LDAP_SYNC_MEMBER_RANGE_SIZE: '1000' };

/** "group:user" pairs of one group, without the group prefix, sorted. */
export async function membersOf(db: TestDatabase, group: string): Promise<string[]> {
  return (await db.memberships()).filter((m) => m.startsWith(`${group}:`)).map((m) => m.slice(group.length + 1)).sort();
}

/** The UUID Pocket ID derives from 16 raw bytes (ldapsync/service.go convertLdapIdToString): hex in the given order, computed here independently. */
export function pocketIdUuid(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `work`, or an error after `ms` (the timer does not keep the process alive). */
export function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end after ${ms / 1000} s`)), ms).unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export const adminClient = <T>(instance: SambaInstance, work: (client: Client) => Promise<T>): Promise<T> =>
  withLdapClient(instance.ldapUrl, instance.bindDn, instance.bindPassword, work);

export const setUac = (client: Client, user: string, value: number) =>
  client.modify(userDn(user), [new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [String(value)] }) })]);
