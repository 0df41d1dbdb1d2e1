import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Entry, SearchOptions, SearchResult } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { ldapIdFromBytes, sidToString, uniqueIdConverter } from '../../src/ldap/ldap-id.js';
import { AD_SETTINGS, describeInspection, inspectDirectory, suggestSettings } from '../../src/ldap/vendor-settings.js';
import { detectVendor, rootDseFromEntry, vendorFromRootDse, type RootDseReader } from '../../src/ldap/vendors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const b64 = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'));

describe('objectSid', () => {
  test('a domain user SID read from Samba (base64 as ldapsearch printed it)', () => {
    // objectSid:: AQUAAAAAAAUVAAAABQzgkpScLsZf/GbwTgQAAA== of a user in domain S-1-5-21-2464156677-3324943508-4033281119
    assert.equal(sidToString(b64('AQUAAAAAAAUVAAAABQzgkpScLsZf/GbwTgQAAA==')), 'S-1-5-21-2464156677-3324943508-4033281119-1102');
  });

  test('well-known SIDs', () => {
    assert.equal(sidToString(hex('01 01 00 00 00 00 00 01 00 00 00 00')), 'S-1-1-0'); // Everyone
    assert.equal(sidToString(hex('01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00')), 'S-1-5-32-544'); // BUILTIN\\Administrators
    assert.equal(sidToString(hex('01 01 00 00 00 00 00 05 12 00 00 00')), 'S-1-5-18'); // LocalSystem
    assert.equal(sidToString(hex('01 00 00 00 00 00 00 05')), 'S-1-5'); // no sub-authority
  });

  test('sub-authorities are unsigned little-endian, the authority big-endian (hex above 2^32)', () => {
    assert.equal(sidToString(hex('01 01 00 00 00 00 00 05 ff ff ff ff')), 'S-1-5-4294967295');
    assert.equal(sidToString(hex('01 01 12 34 56 78 9a bc 01 00 00 00')), 'S-1-0x123456789ABC-1');
  });

  test('malformed bytes are not a SID', () => {
    assert.equal(sidToString(hex('01 05 00 00 00 00 00 05 15 00 00 00')), null, 'count says 5 sub-authorities, one present');
    assert.equal(sidToString(hex('02 01 00 00 00 00 00 05 12 00 00 00')), null, 'revision 2');
    assert.equal(sidToString(hex('01 02 03')), null);
  });

  test('Pocket ID stores the same objectSid as padded base64 (28 bytes are neither UTF-8 text nor 16 bytes)', () => {
    const sid = b64('AQUAAAAAAAUVAAAABQzgkpScLsZf/GbwTgQAAA==');
    assert.equal(ldapIdFromBytes(sid), 'AQUAAAAAAAUVAAAABQzgkpScLsZf/GbwTgQAAA==');
    assert.equal(uniqueIdConverter('objectSid')(sid), 'S-1-5-21-2464156677-3324943508-4033281119-1102');
    assert.equal(uniqueIdConverter('OBJECTSID')(sid), 'S-1-5-21-2464156677-3324943508-4033281119-1102');
    assert.equal(uniqueIdConverter('objectSid')(hex('ff fe fd fc')), '//79/A==', 'not a SID: Pocket ID conversion');
  });
});

describe('objectGUID', () => {
  // objectGUID:: kp19joEmh0ShyhOv1I6lMw== of a Samba user; ldbsearch shows it as 8e7d9d92-2681-4487-a1ca-13afd48ea533.
  const guid = b64('kp19joEmh0ShyhOv1I6lMw==');

  test('is stored exactly as Pocket ID stores it: bytes in wire order', () => {
    assert.equal(uniqueIdConverter('objectGUID')(guid), '929d7d8e-8126-8744-a1ca-13afd48ea533');
    assert.equal(uniqueIdConverter('objectGUID')(guid), ldapIdFromBytes(guid));
  });

  test('other attributes use Pocket ID\'s conversion', () => {
    assert.equal(uniqueIdConverter('entryUUID')(new TextEncoder().encode('86a13456-7abe-1041-944d-bbe83609d1f1')), '86a13456-7abe-1041-944d-bbe83609d1f1');
  });
});

function dse(values: Record<string, string[]>) {
  return vendorFromRootDse(new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v])));
}

describe('vendor detection from the root DSE', () => {
  test('Samba (as read from a Samba 4.17 DC)', () => {
    const vendor = dse({
      vendorName: ['Samba Team (https://www.samba.org)'],
      supportedCapabilities: ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1670', '1.2.840.113556.1.4.1791'],
      supportedControl: ['1.2.840.113556.1.4.319', '1.2.840.113556.1.4.417'],
      defaultNamingContext: ['DC=ad,DC=example,DC=test'],
      namingContexts: ['DC=ad,DC=example,DC=test', 'CN=Configuration,DC=ad,DC=example,DC=test'],
      domainControllerFunctionality: ['4'],
    });
    assert.equal(vendor.kind, 'samba');
    assert.equal(vendor.activeDirectoryCompatible, true);
    assert.equal(vendor.pagedResults, true);
    assert.equal(vendor.defaultBase, 'DC=ad,DC=example,DC=test');
    assert.ok(vendor.evidence.includes('vendorName=Samba Team (https://www.samba.org)'));
  });

  test('Windows Active Directory: the AD capability without a vendorName', () => {
    const vendor = dse({ supportedCapabilities: ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1670'], domainControllerFunctionality: ['7'], defaultNamingContext: ['DC=corp,DC=example,DC=com'] });
    assert.equal(vendor.kind, 'active-directory');
    assert.equal(vendor.label, 'Active Directory (Windows Server 2016 or later domain controller)');
    assert.equal(vendor.activeDirectoryCompatible, true);
  });

  test('AD LDS', () => {
    assert.equal(dse({ supportedCapabilities: ['1.2.840.113556.1.4.1851'] }).kind, 'ad-lds');
  });

  test('OpenLDAP: its root DSE object class', () => {
    const vendor = dse({ objectClass: ['top', 'OpenLDAProotDSE'], namingContexts: ['dc=example,dc=com'], supportedControl: ['1.2.840.113556.1.4.319'] });
    assert.equal(vendor.kind, 'openldap');
    assert.equal(vendor.defaultBase, 'dc=example,dc=com');
    assert.equal(vendor.activeDirectoryCompatible, false);
  });

  test('389 Directory Server, and FreeIPA by its o=ipaca naming context', () => {
    const ds = dse({ vendorName: ['389 Project'], vendorVersion: ['389-Directory/2.3.1 B2023.123.1'], namingContexts: ['dc=example,dc=com'] });
    assert.equal(ds.kind, '389-ds');
    assert.equal(ds.label, '389 Directory Server 2.3.1');
    const ipa = dse({ vendorName: ['389 Project'], vendorVersion: ['389-Directory/2.6.1 B2024'], namingContexts: ['cn=changelog', 'dc=ipa,dc=example,dc=com', 'o=ipaca'] });
    assert.equal(ipa.kind, 'freeipa');
    assert.equal(ipa.defaultBase, 'dc=ipa,dc=example,dc=com');
    assert.equal(suggestSettings(ipa).suggested.find((s) => s.name === 'LDAP_BASE')?.value, 'cn=accounts,dc=ipa,dc=example,dc=com');
  });

  test('lldap: vendorName LLDAP, version lldap_x.y.z, no paged results', () => {
    const vendor = dse({ objectClass: ['top'], vendorName: ['LLDAP'], vendorVersion: ['lldap_0.6.1'], supportedControl: [], namingContexts: ['dc=example,dc=com'], defaultNamingContext: ['dc=example,dc=com'] });
    assert.equal(vendor.kind, 'lldap');
    assert.equal(vendor.label, 'lldap 0.6.1');
    assert.equal(vendor.pagedResults, false);
  });

  test('anything else is unknown', () => {
    assert.equal(dse({ vendorName: ['Example Directory'] }).kind, 'unknown');
    assert.equal(dse({}).kind, 'unknown');
  });

  test('detectVendor reads the root DSE once and never throws', async () => {
    const seen: { base: string; options?: SearchOptions }[] = [];
    const reader: RootDseReader = {
      async search(base: string, options?: SearchOptions): Promise<SearchResult> {
        seen.push({ base, options });
        const entry: Entry = { dn: '', objectClass: ['top', 'OpenLDAProotDSE'], namingContexts: Buffer.from('dc=example,dc=com') };
        return { searchEntries: [entry], searchReferences: [] };
      },
    };
    const vendor = await detectVendor(reader);
    assert.equal(vendor.kind, 'openldap');
    assert.equal(vendor.defaultBase, 'dc=example,dc=com', 'Buffer values are decoded');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.base, '');
    assert.equal(seen[0]?.options?.scope, 'base');
    const failing: RootDseReader = {
      async search(): Promise<SearchResult> {
        throw new Error('insufficient access');
      },
    };
    const unknown = await detectVendor(failing);
    assert.equal(unknown.kind, 'unknown');
    assert.deepEqual(unknown.evidence, ['root DSE not readable: insufficient access']);
  });

  test('rootDseFromEntry lower-cases names', () => {
    assert.deepEqual([...rootDseFromEntry({ dn: '', VendorName: 'X' }).entries()], [['vendorname', ['X']]]);
  });
});

describe('suggested settings', () => {
  const samba: RootDseReader = {
    async search(): Promise<SearchResult> {
      return {
        searchEntries: [{ dn: '', vendorName: 'Samba Team (https://www.samba.org)', supportedCapabilities: ['1.2.840.113556.1.4.800'], defaultNamingContext: 'DC=ad,DC=example,DC=test' }],
        searchReferences: [],
      };
    },
  };

  test('Active Directory and Samba: objectGUID, sAMAccountName, person filter', async () => {
    const inspection = await inspectDirectory(samba);
    const value = (name: string) => inspection.suggested.find((s) => s.name === name)?.value;
    assert.equal(value('LDAP_BASE'), 'DC=ad,DC=example,DC=test');
    assert.equal(value('LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER'), 'objectGUID');
    assert.equal(value('LDAP_ATTRIBUTE_USER_USERNAME'), 'sAMAccountName');
    assert.equal(value('LDAP_USER_SEARCH_FILTER'), '(&(objectClass=user)(objectCategory=person))');
    assert.equal(value('LDAP_USER_GROUP_SEARCH_FILTER'), '(objectClass=group)');
    assert.equal(value('LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER'), 'objectGUID');
    assert.deepEqual(inspection.differences, [], 'nothing to compare without a configuration');
    assert.ok(inspection.notes.some((n) => n.includes('range retrieval')));
  });

  test('differences with the configuration, attribute names compared case-insensitively', async () => {
    const config = loadConfig({
      LDAP_ENABLED: 'true', LDAP_URL: 'ldaps://dc.example.test', LDAP_BIND_DN: 'x', LDAP_BIND_PASSWORD: 'y', LDAP_BASE: 'dc=ad,dc=example,dc=test',
      LDAP_USER_SEARCH_FILTER: '(objectClass=person)', LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=group)',
      LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'objectguid', LDAP_ATTRIBUTE_USER_USERNAME: 'uid', LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
      LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'objectGUID', LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
    });
    const inspection = await inspectDirectory(samba, config.ldap);
    assert.deepEqual(
      inspection.differences.map((d) => `${d.name}: ${d.current} -> ${d.value}`),
      [
        'LDAP_USER_SEARCH_FILTER: (objectClass=person) -> (&(objectClass=user)(objectCategory=person))',
        'LDAP_ATTRIBUTE_USER_USERNAME: uid -> sAMAccountName',
        'LDAP_ATTRIBUTE_USER_FIRST_NAME:  -> givenName',
        'LDAP_ATTRIBUTE_USER_LAST_NAME:  -> sn',
        'LDAP_ATTRIBUTE_USER_DISPLAY_NAME: cn -> displayName',
        'LDAP_SYNC_DISABLED_ACCOUNTS: false -> true',
      ],
    );
  });

  test('the check line names the directory and each setting that differs, with the configured value', async () => {
    const config = (overrides: Record<string, string>) => loadConfig({
      LDAP_ENABLED: 'true', LDAP_URL: 'ldaps://dc.example.test', LDAP_BIND_DN: 'x', LDAP_BIND_PASSWORD: 'y', LDAP_BASE: 'DC=ad,DC=example,DC=test',
      ...(AD_SETTINGS as Record<string, string>),
      ...overrides,
    }).ldap;
    const same = await inspectDirectory(samba, config({}));
    assert.match(describeInspection(same), /^Samba Active Directory domain controller \(vendorName=Samba Team \(https:\/\/www\.samba\.org\), supportedCapabilities=1\.2\.840\.113556\.1\.4\.800\); the LDAP settings match the usual ones for it$/);
    const differing = await inspectDirectory(samba, config({ LDAP_SYNC_PAGE_SIZE: '2000', LDAP_ATTRIBUTE_USER_USERNAME: 'userPrincipalName' }));
    assert.match(
      describeInspection(differing),
      /; settings that differ from the usual ones for it: LDAP_ATTRIBUTE_USER_USERNAME=sAMAccountName \(configured: userPrincipalName\), LDAP_SYNC_PAGE_SIZE=500 \(configured: 2000\)$/,
    );
    const unknown = await inspectDirectory({ search: async () => ({ searchEntries: [{ dn: '' }], searchReferences: [] }) }, config({}));
    assert.equal(describeInspection(unknown), 'unrecognised directory; no usual settings to compare the configuration with');
  });

  test('lldap follows lldap\'s published Pocket ID example', () => {
    const { suggested } = suggestSettings(dse({ vendorName: ['LLDAP'], defaultNamingContext: ['dc=example,dc=com'] }));
    const map = Object.fromEntries(suggested.map((s) => [s.name, s.value]));
    assert.equal(map.LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER, 'uuid');
    assert.equal(map.LDAP_ATTRIBUTE_USER_USERNAME, 'uid');
    assert.equal(map.LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER, 'uuid');
    assert.equal(map.LDAP_ATTRIBUTE_GROUP_NAME, 'cn');
    assert.equal(map.LDAP_ATTRIBUTE_GROUP_MEMBER, 'member');
    assert.equal(map.LDAP_USER_GROUP_SEARCH_FILTER, '(objectClass=groupOfNames)');
  });

  test('unknown directories get no suggestions', () => {
    assert.deepEqual(suggestSettings(dse({})).suggested, []);
  });
});
