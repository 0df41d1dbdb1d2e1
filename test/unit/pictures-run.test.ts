// Around the picture step: whose pictures a run looks at (created and kept users, not skipped
// entries), the concurrency limit of forEachLimited, and the picture settings as loadConfig reads
// and refuses them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { forEachLimited, profilePicturePath } from '../../src/pictures/store.js';
import { pictureTargets } from '../../src/pictures/sync-pictures.js';
import type { DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import type { CurrentState, SyncPlan } from '../../src/sync/types.js';
import { validEnv } from '../support/env.js';
import { emptyClaimPlan } from '../../src/sync/plan-claims.js';

describe('pictures: whose pictures a run looks at', () => {
  const user = (dn: string, ldapId: string, picture?: string): DirectoryUser => ({
    dn, ldapId, username: dn.slice(4, dn.indexOf(',')), email: '', firstName: '', lastName: '', displayName: '',
    ...(picture ? { picture: Buffer.from(picture) } : {}),
  });
  const row = (id: string, ldapId: string | null) => ({
    id, ldapId, username: id, email: null, firstName: '', lastName: '', displayName: '', isAdmin: false, emailVerified: true, disabled: false,
  });

  test('created and kept users, not skipped entries, not users without a row', () => {
    const snapshot = {
      users: [
        user('uid=new,dc=x', 'L1', 'p1'),
        user('uid=kept,dc=x', 'L2', 'p2'),
        user('uid=skipped,dc=x', 'L3', 'p3'),
        user('uid=noid,dc=x', '', 'p4'),
        user('uid=bare,dc=x', 'L5'),
        user('uid=unknown,dc=x', 'L6', 'p6'),
      ],
      groups: [], unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 },
    } satisfies DirectorySnapshot;
    // The users the plan was made from: the skipped entry's old row is among them.
    const state: CurrentState = { users: [row('id-new', 'L1'), row('id-kept', 'L2'), row('id-skipped', 'L3'), row('id-bare', 'L5'), row('local', null)], groups: [], memberships: new Map() };
    const plan = {
      users: { create: [], update: [], disable: [], delete: [], unchanged: 0 },
      groups: { create: [], update: [], delete: [], unchanged: 0 },
      memberships: { add: [], remove: [] },
      vacate: { userIds: [], groupIds: [] },
      claims: emptyClaimPlan(),
      skips: [
        { kind: 'user', dn: 'uid=skipped,dc=x', reason: 'invalid-username', message: '' },
        { kind: 'user', dn: 'uid=noid,dc=x', reason: 'missing-unique-id', message: '' },
        { kind: 'member', dn: 'uid=kept,dc=x', reason: 'member-unknown', message: '' },
      ],
      managed: { users: 3, groups: 0 },
    } satisfies SyncPlan;
    const targets = pictureTargets(snapshot, state.users, plan);
    assert.deepEqual(targets.map((t) => [t.userId, t.value?.toString()]), [['id-new', 'p1'], ['id-kept', 'p2'], ['id-bare', undefined]]);
    assert.equal(profilePicturePath('id-new'), 'profile-pictures/id-new.png');
  });

  test('forEachLimited never runs more than the limit at once and visits every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([...Array(25).keys()], 4, async (i) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      seen.push(i);
      running -= 1;
    });
    assert.equal(peak, 4);
    assert.deepEqual(seen.sort((a, b) => a - b), [...Array(25).keys()]);
  });
});

describe('pictures: configuration', () => {
  const VALID = validEnv({ LDAP_BIND_DN: 'cn=r', LDAP_BIND_PASSWORD: 'secret-pw', LDAP_BASE: 'dc=x' });
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };

  test("Pocket ID's defaults: filesystem under data/uploads; empty values mean the default", () => {
    const config = loadConfig(VALID);
    assert.deepEqual(config.pictures, { backend: 'filesystem', uploadPath: 'data/uploads', concurrency: 4, timeoutMs: 15_000, maxBytes: 10_485_760, deleteCleared: false });
    assert.equal(config.ldap.attributes.profilePicture, '');
    const empty = loadConfig({ ...VALID, FILE_BACKEND: '', UPLOAD_PATH: '' });
    assert.equal(empty.pictures.backend, 'filesystem');
    assert.equal(empty.pictures.uploadPath, 'data/uploads');
  });

  test('every setting is read', () => {
    const config = loadConfig({
      ...VALID, FILE_BACKEND: 'Database', UPLOAD_PATH: '/app/data/uploads', LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: 'jpegPhoto',
      LDAP_SYNC_PICTURE_CONCURRENCY: '8', LDAP_SYNC_PICTURE_TIMEOUT: '5', LDAP_SYNC_PICTURE_MAX_BYTES: '2048', LDAP_SYNC_PICTURE_DELETE_CLEARED: 'true',
    });
    assert.deepEqual(config.pictures, { backend: 'database', uploadPath: '/app/data/uploads', concurrency: 8, timeoutMs: 5000, maxBytes: 2048, deleteCleared: true });
    assert.equal(config.ldap.attributes.profilePicture, 'jpegPhoto');
  });

  test('FILE_BACKEND=s3 with a picture attribute is a configuration error; without one it is accepted', () => {
    const found = problems({ ...VALID, FILE_BACKEND: 's3', LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: 'jpegPhoto' });
    assert.equal(found.length, 1);
    assert.match(found[0] as string, /^FILE_BACKEND: s3 is not supported by this daemon.*LDAP_ATTRIBUTE_USER_PROFILE_PICTURE/);
    assert.equal(loadConfig({ ...VALID, FILE_BACKEND: 's3' }).pictures.backend, 's3');
  });

  test('bad values are reported', () => {
    const found = problems({ ...VALID, FILE_BACKEND: 'nfs', LDAP_SYNC_PICTURE_CONCURRENCY: '0', LDAP_SYNC_PICTURE_TIMEOUT: 'soon' });
    assert.equal(found.length, 3, found.join('\n'));
    assert.ok(found.some((p) => /^FILE_BACKEND: .*"nfs" is not one of filesystem, database, s3/.test(p)), found.join('\n'));
  });
});
