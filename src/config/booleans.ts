// Pocket ID (v2.14, go-kit `IsTruthy`) reads a boolean as true only for these
// spellings, compared case-insensitively. Anything else is false there, which
// silently turns a typo such as `ture` into `false`; we reject unknown spellings
// instead so the operator hears about it.
const TRUTHY = new Set(['1', 'true', 't', 'on', 'yes', 'y']);
const FALSY = new Set(['0', 'false', 'f', 'off', 'no', 'n']);

export function parsePocketIdBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (TRUTHY.has(value)) return true;
  if (FALSY.has(value)) return false;
  throw new Error(`"${raw}" is not a boolean (use true or false)`);
}
