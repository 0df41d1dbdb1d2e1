/**
 * SyncPlan.groupMembers: each group's member usernames as planned, by the
 * group entry's unique id. Bookkeeping the memory keeps for the next
 * incremental run, not a change the plan shows: `sync --dry-run --json`
 * leaves it out (a toJSON of undefined, as JSON.stringify and json-stream.ts
 * treat it), where a Map would print as an empty object.
 */
export class PlannedMembers extends Map<string, readonly string[]> {
  toJSON(): undefined {
    return undefined;
  }
}
