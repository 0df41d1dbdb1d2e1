import { SETTINGS } from './settings.js';

/** Names Pocket ID once read and no longer does, with what replaced them. */
const RENAMED: Record<string, string> = {
  LDAP_ATTRIBUTE_ADMIN_GROUP: 'Pocket ID renamed it to LDAP_ADMIN_GROUP_NAME, which holds the admin group\'s name; set that instead (until then no LDAP user becomes admin)',
};

// Every LDAP_* name Pocket ID v2.14 reads (appconfig/model.go) is also one of ours, so SETTINGS is the whole list.
const KNOWN: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.name));

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function closest(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN) {
    const d = distance(name, known);
    if (d <= 3 && (!best || d < best.distance)) best = { name: known, distance: d };
  }
  return best?.name;
}

/**
 * A typo guard: an LDAP_* variable that neither this daemon nor Pocket ID
 * reads is ignored by both, so a misspelt name silently falls back to a
 * default. Each such name gets a warning; names only, never values.
 */
export function settingWarnings(env: Record<string, string | undefined>): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('LDAP_') || KNOWN.has(name) || env[name] === undefined) continue;
    const renamed = RENAMED[name];
    if (renamed) {
      warnings.push(`${name} is set but no longer read: ${renamed}`);
      continue;
    }
    const suggestion = closest(name);
    warnings.push(`${name} is set but neither this daemon nor Pocket ID reads it, so it is ignored${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
  }
  return warnings;
}
