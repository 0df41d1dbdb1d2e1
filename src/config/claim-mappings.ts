// LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS: which directory attributes
// become Pocket ID custom claims. See docs/custom-claims.md.
import type { ClaimMapping, ClaimMappings } from '../sync/types.js';

export type { ClaimMapping, ClaimMappings };

/**
 * Keys Pocket ID refuses in its own editor (v2.14
 * backend/internal/service/custom_claim_service.go isReservedClaim), plus
 * client_id, and picture, which Pocket ID overwrites with the picture URL
 * whenever it emits custom claims (backend/internal/oidc/claims_service.go).
 */
export const RESERVED_CLAIM_KEYS: ReadonlySet<string> = new Set([
  'given_name', 'family_name', 'name', 'email', 'email_verified', 'preferred_username', 'display_name', 'groups', 'type',
  'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'client_id', 'nbf', 'jti', 'picture',
]);

/** custom_claims.key is varchar(255) on PostgreSQL (characters, not bytes). */
export const MAX_CLAIM_KEY_LENGTH = 255;

// An LDAP attribute description without options: a name (RFC 4512 descr, plus
// "_", which lldap uses: user_id, first_name) or a numeric OID.
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9_-]*|\d+(?:\.\d+)+)$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

function parsePair(setting: string, pair: string, problems: string[]): ClaimMapping | null {
  const equals = pair.indexOf('=');
  if (equals < 0) {
    problems.push(`${setting}: "${pair}" is not claim=attribute`);
    return null;
  }
  const key = pair.slice(0, equals).trim().normalize('NFC');
  let attribute = pair.slice(equals + 1).trim();
  const multi = attribute.endsWith('[]');
  if (multi) attribute = attribute.slice(0, -2);
  let valid = true;
  const refuse = (why: string) => {
    problems.push(`${setting}: ${why}`);
    valid = false;
  };
  if (key === '') refuse(`"${pair}" has an empty claim name`);
  else if ([...key].length > MAX_CLAIM_KEY_LENGTH) refuse(`claim name "${key.slice(0, 40)}…" is longer than ${MAX_CLAIM_KEY_LENGTH} characters`);
  else if (CONTROL.test(key)) refuse(`claim name ${JSON.stringify(key)} contains a control character`);
  else if (RESERVED_CLAIM_KEYS.has(key)) refuse(`claim name "${key}" is reserved (Pocket ID sets or refuses it)`);
  if (attribute === '' && multi) refuse(`"${pair}" has [] but no attribute`);
  else if (attribute !== '' && !ATTRIBUTE.test(attribute)) refuse(`"${attribute}" in "${pair}" is not an LDAP attribute name`);
  return valid ? { key, attribute: attribute === '' ? null : attribute, multi } : null;
}

/**
 * Parses `claim=attribute, claim2=attribute2[], retired=`; every problem goes
 * to `problems`, named by the setting. Empty items (a trailing comma) are ignored.
 */
export function parseClaimMappings(setting: string, raw: string, problems: string[]): ClaimMapping[] {
  const mappings: ClaimMapping[] = [];
  const seen = new Set<string>();
  for (const item of raw.split(',')) {
    const pair = item.trim();
    if (pair === '') continue;
    const mapping = parsePair(setting, pair, problems);
    if (!mapping) continue;
    if (seen.has(mapping.key)) {
      problems.push(`${setting}: claim name "${mapping.key}" is given twice`);
      continue;
    }
    seen.add(mapping.key);
    mappings.push(mapping);
  }
  return mappings;
}

/** True when any claim is configured: only then is custom_claims read, checked or written. */
export function claimsConfigured(mappings: ClaimMappings): boolean {
  return mappings.user.length > 0 || mappings.group.length > 0;
}
