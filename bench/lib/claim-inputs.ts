// --claims for bench/plan-alone.ts: the bench's claims (bench/lib/ldif.ts) on every user of a snapshot, as the
// reader writes them, and the custom_claims text the database returns after the initial sync, so the plan's
// claims can be measured without a server.
import { parseClaimMappings } from '../../src/config/claim-mappings.js';
import { claimValue } from '../../src/sync/claim-values.js';
import { claimSlot, joinClaimSlots } from '../../src/sync/entry-claims.js';
import { plan } from '../../src/sync/plan.js';
import type { DirectorySnapshot } from '../../src/sync/snapshot.js';
import { storedClaimsText } from '../../src/sync/stored-claims.js';
import type { ClaimMappings, CurrentClaims } from '../../src/sync/types.js';
import { byCodeUnits } from '../../src/text/code-unit-order.js';
import { BENCH_USER_CLAIMS, claimValuesOf } from './ldif.js';
import type { DirectoryModel } from './model.js';
import { BENCH_PLAN_OPTIONS, EMPTY_STATE, seededIds } from './plan-inputs.js';

export function benchClaimMappings(): ClaimMappings {
  const problems: string[] = [];
  const user = parseClaimMappings('LDAP_SYNC_USER_CLAIMS', BENCH_USER_CLAIMS, problems);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { user, group: [] };
}

/** Sets every user's claims in `snapshot` (made by snapshotOf from `model`) as the reader writes them. */
export function addClaims(model: DirectoryModel, snapshot: DirectorySnapshot, mappings: ClaimMappings): void {
  let next = 0;
  model.users.forEach((entry, index) => {
    if (!entry) return;
    const user = snapshot.users[next++];
    if (!user) throw new Error("the snapshot does not hold the model's users");
    const values: Record<string, string | string[]> = claimValuesOf(index);
    user.claims = joinClaimSlots(mappings.user.map(({ attribute, multi }) => {
      const raw = attribute === null ? [] : [values[attribute] ?? []].flat();
      return attribute === null ? '' : claimSlot(claimValue(attribute, raw.map((value) => Buffer.from(value)), multi));
    }));
  });
}

/** The stored claims after the initial sync of `snapshot`, in the order both databases return them (inserted by owner and key, src/db/apply.ts). */
export function storedClaimsAfterSync(snapshot: DirectorySnapshot, mappings: ClaimMappings): CurrentClaims {
  // The same seed as stateAfterSync: the plan draws the rows' ids before the claims', so the owners are its rows.
  const initial = plan(snapshot, { ...EMPTY_STATE, claims: { users: '', groups: '' } }, { ...BENCH_PLAN_OPTIONS, claims: mappings }, seededIds(1));
  const rows = [...initial.claims.users.create].sort((a, b) => byCodeUnits(a.ownerId, b.ownerId) || byCodeUnits(a.key, b.key));
  const text = storedClaimsText(rows.map((r) => ({ ownerId: r.ownerId, key: r.key, value: r.after })));
  return { users: Buffer.from(text, 'utf8').toString('utf8'), groups: '' };
}
