// The differential test's own parts (test/support/db-contents.ts, change-stream/):
// the comparison finds every kind of difference and leaves out only what the
// blur names; the stream replays from its seed; the view tracker blurs exactly
// the entries that left the view since the last scan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOp } from '../support/change-stream/flavour.js';
import { dnOf } from '../support/change-stream/member-values.js';
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

test("the blur leaves out a gone user's row, rows holding its names on either side, their memberships and claims, and nothing else", () => {
  const incremental = contents();
  const full = contents();
  // bob (u2) left the view: the full run disabled him, renamed his row out of the way and dropped his membership;
  // carol (u3) took his username and email, which the incremental run, not knowing bob left, refused.
  full.users.set('u2', { ...bob, username: 'bob-old', email: null, disabled: true });
  full.memberships.delete('g2 → u2');
  full.users.set('u3', { ...bob, firstName: 'Carol' });
  full.claims.set('user:u1', ['department=Ops']);
  const blur = { ...NO_BLUR, users: new Set(['u2']) };
  assert.deepEqual(differences(incremental, full, blur), ['claims of user:u1: incremental ["department=R&D"], full ["department=Ops"]']);
});

test('a blurred group hides its row, memberships and claims; memberships: false also the admin flag, never other fields', () => {
  const incremental = contents();
  const full = contents();
  full.groups.delete('g2');
  full.memberships.delete('g2 → u2');
  full.claims.delete('group:g2');
  assert.deepEqual(differences(incremental, full, { ...NO_BLUR, groups: new Set(['g2']) }), []);
  full.users.set('u1', { ...alice, admin: false, lastName: 'B' });
  full.memberships.delete('g1 → u1');
  const found = differences(incremental, full, { ...NO_BLUR, groups: new Set(['g2']), memberships: false });
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(found[0] ?? '', /^user u1: .*"lastName":"A".*"lastName":"B"/);
});

const stream = (seed: number) => new ChangeStream(slapdFlavour([Buffer.from('x'), Buffer.from('y'), Buffer.from('z')]), seed, { users: 20, groups: 5 });
const replay = (s: ChangeStream) => Array.from({ length: 10 }, () => [...s.batch(10).flatMap((c) => [c.what, ...c.ops.map(describeOp)]), String(s.nextRunScans())]);

test('the same seed gives the same batches and scan decisions; another seed others', () => {
  assert.deepEqual(replay(stream(7)), replay(stream(7)));
  assert.notDeepEqual(replay(stream(7)), replay(stream(8)));
});

test('the view tracker blurs, by ldap_id, what left the view since the last scan', () => {
  const s = stream(3);
  const tracker = new ViewTracker(s.model);
  const ctx = { model: s.model, flavour: s.flavour };
  // The directory's ids: "id-<DN>" for every existing entry.
  const learn = () => tracker.learnIds(new Map([...s.model.existingUsers().map((u) => dnOf(ctx, { user: u.key })), ...s.model.existingGroups().map((g) => dnOf(ctx, { group: g.key }))].map((dn) => [dn.toLowerCase(), `id-${dn}`])), (ref) => dnOf(ctx, ref));
  learn();
  tracker.recordRun(true);
  const [first, second, third] = s.model.users;
  const firstDn = dnOf(ctx, { user: first!.key });
  first!.uid = 'renamed';
  learn();
  tracker.recordRun(false);
  first!.exists = false;
  second!.hidden = true;
  const added = s.model.newUser('newcomer', 'people');
  added.hidden = true;
  const blur = tracker.blur();
  assert.deepEqual([...blur.users].sort(), [`id-${dnOf(ctx, { user: first!.key })}`, `id-${dnOf(ctx, { user: second!.key })}`].sort());
  assert.ok(!blur.users.has(`id-${firstDn}`), 'the id was learnt under the DN the entry had then');
  assert.ok(![...blur.users].some((id) => id.includes(third!.uid) || id.includes('newcomer')), 'in the view, or never seen by a run');
  assert.equal(blur.memberships, true, 'no group left the view');
  s.model.groups[1]!.exists = false;
  assert.equal(tracker.blur().memberships, false);
  tracker.recordRun(true);
  assert.deepEqual(tracker.blur(), NO_BLUR);
});
