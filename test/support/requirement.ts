// A test that needs something of the machine (root, a tool, a memory cgroup) skips where it is
// missing, saying why. Under CI (CI set, as CI services and `CI=true bash .ci/run` do) a missing
// requirement fails instead: the suite must never pass in CI by skipping what it should test.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const underCi = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/** `reason` (or false) for a test's skip option; under CI a missing requirement also adds a failing test naming it. */
export function skipUnlessCi(reason: string | false | null | undefined): string | false {
  if (!reason) return false;
  if (underCi) test(`CI requires what this file tests: ${reason}`, () => assert.fail(`${reason}: under CI this is a failure, not a skip`));
  return reason;
}
