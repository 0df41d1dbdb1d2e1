// The differential test's own parts (test/support/db-contents.ts, change-stream/):
// the comparison finds every kind of difference and leaves out only what the
// blur names; the stream replays from its seed; the view tracker blurs exactly
// the entries that left the view since the last scan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOp } from '../support/change-stream/flavour.js';
import { slapdFlavour } from '../support/change-stream/slapd-flavour.js';
import { ChangeStream } from '../support/change-stream/stream.js';
import { ViewTracker } from '../support/change-stream/view-tracker.js';
import { differences, NO_BLUR, type Contents, type UserFacts } from '../support/db-contents.js';

const alice: UserFacts = { username: 'alice', email: 'alice@example.com', firstName: 'Alice', lastName: 'A', displayName: 'Alice A', admin: true, disabled: false, emailVerified: true };
const bob: UserFacts = { ...alice, username: 'bob', email: 'bob@example.com', admin: false };

function contents(): Contents {
  return {
    users: new Map([['u1', { ...alice }], ['u2', { ...bob }]]),
    groups: new Map([['g1', 'admins / admins'], ['g2', 'team / team']]),
    memberships: new Set(['g1 → u1', 'g2 → u2']),
    claims: new Map([['user:u1', ['department=R&D']], ['group:g2', ['units=["a"]']]]),
    pictures: new Map([['u2', 'v1 sha256=ab']]),
  };
}

test('equal contents have no differences; each kind of difference is named with its ldap_id', () => {
  assert.deepEqual(differences(contents(), contents()), []);
  const changed = contents();
  changed.users.set('u2', { ...bob, email: 'other@example.com' });
  changed.groups.delete('g2');
  changed.memberships.delete('g1 → u1');
  changed.claims.set('user:u1', ['department=Sales']);
  changed.pictures.set('u2', 'v1 sha256=cd');
  changed.users.set('u3', { ...bob, username: 'carol' });
  const found = differences(changed, contents());
  assert.equal(found.length, 6, found.join('\n'));
  assert.match(found.join('\n'), /user u2: incremental .*other@example\.com.*, full .*bob@example\.com/);
  assert.match(found.join('\n'), /user u3: incremental .*carol.*, full absent/);
  assert.match(found.join('\n'), /group g2: incremental absent, full "team \/ team"/);
  assert.match(found.join('\n'), /membership g1 → u1: incremental absent, full true/);
  assert.match(found.join('\n'), /claims of user:u1/);
  assert.match(found.join('\n'), /picture of u2/);
});

test('the blur leaves out the rows holding a gone name, their memberships and claims, and nothing else', () => {
  const incremental = contents();
  const full = contents();
  // bob left the view: the full run disabled him and dropped his membership; carol took his email.
  full.users.set('u2', { ...bob, disabled: true });
  full.memberships.delete('g2 → u2');
  full.users.set('u3', { ...bob, username: 'carol' });
  full.claims.set('user:u1', ['department=Ops']);
  const blur = { ...NO_BLUR, usernames: new Set(['bob']), emails: new Set(['bob@example.com']) };
  assert.deepEqual(differences(incremental, full, blur), ['claims of user:u1: incremental ["department=R&D"], full ["department=Ops"]']);
});

test('a blurred group name hides its row, memberships and claims; memberships: false also the admin flag, never other fields', () => {
  const incremental = contents();
  const full = contents();
  full.groups.delete('g2');
  full.memberships.delete('g2 → u2');
  full.claims.delete('group:g2');
  assert.deepEqual(differences(incremental, full, { ...NO_BLUR, groupNames: new Set(['team']) }), []);
  full.users.set('u1', { ...alice, admin: false, lastName: 'B' });
  full.memberships.delete('g1 → u1');
  const found = differences(incremental, full, { ...NO_BLUR, groupNames: new Set(['team']), memberships: false });
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(found[0] ?? '', /^user u1: .*"lastName":"A".*"lastName":"B"/);
});

const stream = (seed: number) => new ChangeStream(slapdFlavour([Buffer.from('x'), Buffer.from('y'), Buffer.from('z')]), seed, { users: 20, groups: 5 });
const replay = (s: ChangeStream) => Array.from({ length: 10 }, () => [...s.batch(10).flatMap((c) => [c.what, ...c.ops.map(describeOp)]), String(s.nextRunScans())]);

test('the same seed gives the same batches and scan decisions; another seed others', () => {
  assert.deepEqual(replay(stream(7)), replay(stream(7)));
  assert.notDeepEqual(replay(stream(7)), replay(stream(8)));
});

test('the view tracker blurs what left the view since the last scan, with every name it had at a run', () => {
  const s = stream(3);
  const tracker = new ViewTracker(s.model);
  tracker.recordRun(true);
  const [first, second] = s.model.users;
  const original = first!.uid.toLowerCase();
  first!.uid = 'renamed';
  tracker.recordRun(false);
  first!.exists = false;
  second!.hidden = true;
  const blur = tracker.blur();
  assert.ok(blur.usernames.has('renamed') && blur.usernames.has(original));
  assert.equal(blur.usernames.size, 3, [...blur.usernames].join(', '));
  assert.ok(blur.emails.has(second!.mail.toLowerCase()));
  assert.equal(blur.memberships, true, 'no group left the view');
  s.model.groups[1]!.exists = false;
  assert.equal(tracker.blur().memberships, false);
  tracker.recordRun(true);
  assert.deepEqual(tracker.blur(), NO_BLUR);
});
