import type { DirectoryUser } from '../../src/sync/snapshot.js';

/** A user entry as the reader gives it to plan(): uid=<name> under ou=people, id `id-<name>`, mail <name>@example.com. */
export function directoryUser(name: string, extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    dn: `uid=${name},ou=people,dc=example,dc=com`,
    ldapId: `id-${name}`,
    username: name,
    email: `${name}@example.com`,
    firstName: name,
    lastName: 'Tester',
    displayName: `${name} Tester`,
    ...extra,
  };
}
