import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySteps, writesAnything } from '../../src/db/apply.js';
import { emptyPlan } from '../../src/sync/plan.js';
import type { SyncPlan } from '../../src/sync/types.js';

/** Every list of a plan, each filled alone: writesAnything must agree with the steps apply() would run. */
function plansWithOneList(): [string, SyncPlan][] {
  const plans: [string, SyncPlan][] = [];
  const probe = emptyPlan();
  const lists: [string, (p: SyncPlan) => unknown[]][] = [];
  for (const [section, value] of Object.entries(probe)) {
    if (typeof value !== 'object' || value === null) continue;
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
      if (Array.isArray(inner)) lists.push([`${section}.${name}`, (p) => (p as unknown as Record<string, Record<string, unknown[]>>)[section]![name]!]);
      else if (typeof inner === 'object' && inner !== null) {
        for (const [leaf, list] of Object.entries(inner as Record<string, unknown>)) {
          if (Array.isArray(list)) lists.push([`${section}.${name}.${leaf}`, (p) => (p as unknown as Record<string, Record<string, Record<string, unknown[]>>>)[section]![name]![leaf]!]);
        }
      }
    }
  }
  for (const [name, list] of lists) {
    const plan = emptyPlan();
    list(plan).push({ id: 'x', userId: 'u', groupId: 'g', before: { disabled: false }, after: { disabled: false } });
    plans.push([name, plan]);
  }
  return plans;
}

test('writesAnything agrees with the steps apply() runs, for every list of the plan (skips and counts write nothing)', () => {
  assert.equal(writesAnything(emptyPlan()), false);
  const plans = plansWithOneList();
  assert.ok(plans.length >= 17, `found ${plans.length} lists`);
  for (const [name, plan] of plans) {
    const stepsWrite = applySteps(plan).some((s) => s.rows.length > 0);
    assert.equal(writesAnything(plan), stepsWrite, name);
  }
});
