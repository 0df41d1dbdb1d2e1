import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** This package's version, from the package.json above this module (src/ when run from source, dist/src/ when built). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'pocket-id-ldap-sync' && typeof pkg.version === 'string') return (cached = pkg.version);
    }
    const up = path.dirname(dir);
    if (up === dir) return (cached = 'unknown');
    dir = up;
  }
}
