import { execFile } from 'node:child_process';
import { Attribute, Change } from 'ldapts';
import { ldapAdmin } from './sync-harness.js';
import type { SlapdInstance } from './slapd.js';

/** nsAccountLock as 389-ds defines it (same OID), but as a user attribute so an extensibleObject can carry it. */
const NS_ACCOUNT_LOCK_SCHEMA = [
  'dn: cn=nsaccountlock,cn=schema,cn=config',
  'objectClass: olcSchemaConfig',
  'cn: nsaccountlock',
  "olcAttributeTypes: ( 2.16.840.1.113730.3.1.610 NAME 'nsAccountLock' DESC 'Operational attribute for Account Inactivation' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE X-ORIGIN 'Netscape Directory Server' )",
  '',
].join('\n');

/** A change to a test slapd's cn=config, as root over ldapi (SASL EXTERNAL). */
export function slapdConfigChange(slapd: SlapdInstance, tool: 'ldapadd' | 'ldapmodify', ldifText: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(tool, ['-Q', '-Y', 'EXTERNAL', '-H', slapd.ldapiUrl], (error, _stdout, stderr) => (error ? reject(new Error(`${tool}: ${stderr}`)) : resolve()));
    child.stdin?.end(ldifText);
  });
}

/** Teaches a test slapd 389-ds's account lock attribute. */
export function addNsAccountLockSchema(slapd: SlapdInstance): Promise<void> {
  return slapdConfigChange(slapd, 'ldapadd', NS_ACCOUNT_LOCK_SCHEMA);
}

/** Locks an entry the 389-ds way (nsAccountLock=TRUE), as a directory admin would. */
export function lockAccount(slapd: SlapdInstance, dn: string): Promise<void> {
  return ldapAdmin(slapd, (client) =>
    client.modify(dn, [
      new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['extensibleObject'] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'nsAccountLock', values: ['TRUE'] }) }),
    ]),
  );
}
