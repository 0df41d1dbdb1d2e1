// Where 100,000 strings stand in a list that holds them in nearly the order
// they are asked for: the state reader hands its memberships over
// in the order of its user rows, so a list built from those rows is asked in
// its own order. (Not so for the directory's entries: the rows come by id, the
// order the sync inserted them, src/db/apply.ts.) A cursor that looks a few places
// ahead finds nearly all of them by comparison, without hashing a string; a
// map, built on the first miss, finds the rest, and the cursor goes on from there.

const LOOKAHEAD = 8;

export class OrderedIndex {
  private next = 0;
  private map: Map<string, number> | undefined;

  /** `keys` must be distinct (ldap_id and id are unique columns). */
  constructor(private readonly keys: readonly string[]) {}

  /** The index of `key` among the keys, or undefined. */
  find(key: string): number | undefined {
    const { keys } = this;
    const end = Math.min(keys.length, this.next + LOOKAHEAD);
    for (let k = this.next; k < end; k++) {
      if (keys[k] === key) {
        this.next = k + 1;
        return k;
      }
    }
    this.map ??= new Map(keys.map((value, index) => [value, index]));
    const found = this.map.get(key);
    if (found !== undefined) this.next = found + 1;
    return found;
  }
}
