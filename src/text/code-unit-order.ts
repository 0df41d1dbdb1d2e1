/**
 * Orders strings by their UTF-16 code units, as `Array.prototype.sort` does without a comparator,
 * but usable on keys of objects. Ids and claim keys are sorted this way so that rows go to the
 * database in primary-key order (uuids are ASCII, where code-unit order is byte order) and so that
 * the same input always gives the same order; `localeCompare` would depend on the host's locale.
 */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
