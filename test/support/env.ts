/**
 * An environment loadConfig accepts with LDAP enabled: every required LDAP_*
 * setting, for an OpenLDAP-style directory (entryUUID, uid, mail, cn), plus
 * `overrides`. Unit tests start from it and change what they test.
 */
export function validEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    LDAP_ENABLED: 'true',
    LDAP_URL: 'ldap://ldap.example.com',
    LDAP_BIND_DN: 'cn=reader,dc=example,dc=com',
    LDAP_BIND_PASSWORD: 'hunter2-secret',
    LDAP_BASE: 'dc=example,dc=com',
    LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'entryUUID',
    LDAP_ATTRIBUTE_USER_USERNAME: 'uid',
    LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
    LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'entryUUID',
    LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
    ...overrides,
  };
}
