// Whether two reads of Pocket ID's state are the same, whatever order the
// rows came in: a plan made from the first is then exactly the plan the
// second would give (plan() reads nothing else of the database).
import type { CurrentClaims, CurrentGroup, CurrentState, CurrentUser } from './types.js';

const USER_COLUMNS: (keyof CurrentUser)[] = ['id', 'ldapId', 'username', 'email', 'firstName', 'lastName', 'displayName', 'isAdmin', 'emailVerified', 'disabled'];
const GROUP_COLUMNS: (keyof CurrentGroup)[] = ['id', 'ldapId', 'name', 'friendlyName'];

function sameRows<R extends { id: string }>(a: R[], b: R[], columns: (keyof R)[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(a.map((row) => [row.id, row]));
  return b.every((row) => {
    const other = byId.get(row.id);
    return other !== undefined && columns.every((column) => other[column] === row[column]);
  });
}

function sameMap<V>(a: Map<string, V>, b: Map<string, V>, same: (x: V, y: V) => boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    const other = b.get(key);
    if (other === undefined || !same(value, other)) return false;
  }
  return true;
}

function sameOwnedClaims(a: CurrentClaims | undefined, b: CurrentClaims | undefined): boolean {
  if (!a || !b) return a === b;
  return a.users === b.users && a.groups === b.groups;
}

/** True when both reads hold the same rows, memberships and owned claims. */
export function sameState(a: CurrentState, b: CurrentState): boolean {
  return (
    sameRows(a.users, b.users, USER_COLUMNS) &&
    sameRows(a.groups, b.groups, GROUP_COLUMNS) &&
    sameMap(a.memberships, b.memberships, (x, y) => x === y) &&
    sameOwnedClaims(a.claims, b.claims)
  );
}
