// Which kept users an incremental run reads pictures for (src/ldap/waiting-pictures.ts):
// those a plan may create without their entry changing, and only those.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usersWaitingWithPictures } from '../../src/ldap/waiting-pictures.js';
import type { KeptDirectory, KeptUser } from '../../src/sync/kept-directory.js';
import type { Skip, SkipReason } from '../../src/sync/types.js';

const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;

function keptUser(uid: string, pictureDigest: string): KeptUser {
  return {
    user: { dn: dn(uid), ldapId: `id-${uid}`, username: uid, email: `${uid}@example.com`, firstName: '', lastName: '', displayName: uid },
    version: `v-${uid}`,
    pictureDigest,
    hasAccountFlag: false,
  };
}

const skip = (uid: string, reason: SkipReason, kind: Skip['kind'] = 'user'): Skip => ({ kind, dn: dn(uid), reason, message: '' });

test('users skipped for a name, email or id another entry held, with a picture and not read this run, wait for theirs', () => {
  const users = [keptUser('ann', 'd1'), keptUser('bob', 'd2'), keptUser('cid', ''), keptUser('dan', 'd4'), keptUser('eve', 'd5'), keptUser('fay', 'd6'), keptUser('gus', 'd7')];
  const kept: KeptDirectory = { users: new Map(users.map((u) => [u.user.ldapId, u])), groups: new Map(), others: new Map() };
  const skips = [
    skip('ann', 'username-taken'),
    skip('bob', 'email-taken'),
    skip('cid', 'username-taken'), // no picture
    skip('dan', 'invalid-username'), // only its own entry can lift it, and a change to it is read
    skip('eve', 'username-taken'), // read this run: the picture step has it already
    skip('fay', 'member-not-found', 'member'),
    skip('gus', 'duplicate-unique-id'),
  ];
  const waiting = usersWaitingWithPictures(kept, skips, [users[4]!.user]);
  assert.deepEqual(waiting.map((u) => u.username), ['ann', 'bob', 'gus']);
  assert.deepEqual(usersWaitingWithPictures(kept, [], []), []);
});
