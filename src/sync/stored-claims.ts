// The custom_claims rows of the configured keys as the database hands them
// over: one text per side (users, groups) that the database builds with one
// aggregate over a sequential scan (src/db/claim-state.ts), instead of a row
// or a JSON document per claim. The plan walks it with a cursor and compares
// each value with the directory's in place: a claim that has not changed
// costs no object at all, only its owner's id is cut out to find the entry.
//
// Format: records `owner US key US value` separated by RS (U+001F, U+001E).
// The value is the stored text with `\` written `\\` and RS written `\R`, so
// it holds no RS; owners are UUIDs and keys configured claim names (no
// control characters: src/config/claim-mappings.ts), so neither separator
// occurs inside the first two fields. The rows' own ids are left out (a third
// of the text at L): a row is addressed by its key and owner, which
// custom_claims' UNIQUE(key, user_id, user_group_id) makes one row.

export const FIELD_SEPARATOR = '\u001f';
export const RECORD_SEPARATOR = '\u001e';
const BACKSLASH = '\\';
const ESCAPED = /[\\\u001e]/;

/** The stored text in the format's escaping (what the dialects' SQL does). */
export function escapeValue(value: string): string {
  // Nearly no value holds either character: test once instead of copying it twice.
  if (!ESCAPED.test(value)) return value;
  return value.replaceAll(BACKSLASH, '\\\\').replaceAll(RECORD_SEPARATOR, '\\R');
}

export function unescapeValue(escaped: string): string {
  // Nearly no value holds an escape: the 300,000 claims an initial sync at L creates each went through the replace.
  if (!escaped.includes(BACKSLASH)) return escaped;
  return escaped.replace(/\\([\\R])/g, (_, c: string) => (c === 'R' ? RECORD_SEPARATOR : BACKSLASH));
}

/**
 * `records` records joined by RS whose values are not escaped, in the
 * format's escaping; null when some value holds an RS (the records cannot be
 * told apart: the caller reads the escaped text instead). Only backslashes
 * are left to escape then, and owners (UUIDs) and keys (the caller's check)
 * hold none, so every backslash is a value's.
 */
export function escapeRecords(text: string, records: number): string | null {
  let separators = 0;
  for (let at = text.indexOf(RECORD_SEPARATOR); at !== -1; at = text.indexOf(RECORD_SEPARATOR, at + 1)) separators++;
  if (separators !== Math.max(records - 1, 0)) return null;
  return text.includes(BACKSLASH) ? text.replaceAll(BACKSLASH, '\\\\') : text;
}

/** The text the database builds for these rows (tests and tools: a run gets it from the database). */
export function storedClaimsText(rows: { ownerId: string; key: string; value: string }[]): string {
  return rows.map((r) => [r.ownerId, r.key, escapeValue(r.value)].join(FIELD_SEPARATOR)).join(RECORD_SEPARATOR);
}

/** A cursor over the records of a stored-claims text: next() moves to a record, the other methods read it. */
export class StoredClaims {
  private ownerAt = 0;
  private keyAt = 0;
  private valueAt = 0;
  private end = -1;

  constructor(private readonly text: string) {}

  /** Moves to the next record; false after the last. Throws on a record without three fields. */
  next(): boolean {
    const { text } = this;
    this.ownerAt = this.end + 1;
    if (this.ownerAt >= text.length) return false;
    const end = text.indexOf(RECORD_SEPARATOR, this.ownerAt);
    this.end = end === -1 ? text.length : end;
    this.keyAt = text.indexOf(FIELD_SEPARATOR, this.ownerAt) + 1;
    this.valueAt = this.keyAt === 0 ? 0 : text.indexOf(FIELD_SEPARATOR, this.keyAt) + 1;
    if (this.keyAt > this.end || this.valueAt === 0 || this.valueAt > this.end) {
      throw new Error(`custom_claims: a record the database returned is not owner, key and value: ${JSON.stringify(text.slice(this.ownerAt, Math.min(this.end, this.ownerAt + 120)))}`);
    }
    return true;
  }

  owner(): string {
    return this.text.slice(this.ownerAt, this.keyAt - 1);
  }

  key(): string {
    return this.text.slice(this.keyAt, this.valueAt - 1);
  }

  keyIs(key: string): boolean {
    return this.valueAt - 1 - this.keyAt === key.length && this.text.startsWith(key, this.keyAt);
  }

  /**
   * True when the stored value is the one in `slot` from `start` to `end`,
   * escaped the same way (src/sync/entry-claims.ts): compared in place, so an
   * unchanged claim costs no string at all.
   */
  valueIsSlot(slot: string, start: number, end: number): boolean {
    const length = end - start;
    if (this.end - this.valueAt !== length) return false;
    const { text, valueAt } = this;
    for (let i = 0; i < length; i++) if (text.charCodeAt(valueAt + i) !== slot.charCodeAt(start + i)) return false;
    return true;
  }

  value(): string {
    return unescapeValue(this.text.slice(this.valueAt, this.end));
  }
}
