// The environment every benchmark run of the daemon starts from: the
// generated directory in a throwaway slapd, read by its ordinary reader
// entry (so the server's size limit applies, as in production), with the
// standard schema mapping. Each benchmark adds its own settings on top.
import { OPENLDAP_SETTINGS } from '../../src/ldap/vendor-settings.js';
import type { SlapdInstance } from '../../test/support/slapd.js';
import { ADMIN_GROUP, BASE_DN } from './model.js';

export function benchDirectoryEnv(slapd: SlapdInstance, connectionString: string): Record<string, string> {
  return {
    LDAP_ENABLED: 'true',
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: slapd.readerDn,
    LDAP_BIND_PASSWORD: slapd.readerPassword,
    LDAP_BASE: BASE_DN,
    ...(OPENLDAP_SETTINGS as Record<string, string>),
    LDAP_ADMIN_GROUP_NAME: ADMIN_GROUP,
    DB_CONNECTION_STRING: connectionString,
  };
}
