// Booleans as Pocket ID v2.14 reads them, so that one value never means
// something different to the two programs, and a value that would stop
// Pocket ID from starting is refused here too.

/**
 * With UI_CONFIG_DISABLED=true Pocket ID validates these as exactly `true` or
 * `false`, case-sensitive, and a set-but-empty value fails `required`
 * (backend/internal/dto/validations.go validateBooleanString and
 * dto/app_config_dto.go `binding:"required,boolean_string"`, v2.14.0):
 * anything else stops Pocket ID at start.
 */
export const POCKET_ID_EXACT_BOOLEANS: ReadonlySet<string> = new Set(['LDAP_ENABLED', 'LDAP_SKIP_CERT_VERIFY', 'LDAP_SOFT_DELETE_USERS', 'REQUIRE_USER_EMAIL']);

/** Read by Pocket ID with Go's strconv.ParseBool (caarlos0/env, common/env_config.go v2.14.0); empty means unset there. */
export const GO_PARSE_BOOL_BOOLEANS: ReadonlySet<string> = new Set(['UI_CONFIG_DISABLED', 'LOG_JSON']);

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Exactly `true` or `false`: Pocket ID's rule for its LDAP booleans, and ours for the daemon's own. */
export function parseExactBoolean(raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${raw === '' ? 'an empty value' : `"${raw}"`} is not accepted: use exactly true or false (lower case), the only values Pocket ID takes`);
}

/** Go's strconv.ParseBool. */
export function parseGoBoolean(raw: string): boolean {
  if (GO_TRUE.has(raw)) return true;
  if (GO_FALSE.has(raw)) return false;
  throw new Error(`"${raw}" is not accepted: Pocket ID reads it with Go's strconv.ParseBool, which takes 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False`);
}

/** The parser for a boolean setting by name. */
export function booleanParser(name: string): (raw: string) => boolean {
  return GO_PARSE_BOOL_BOOLEANS.has(name) ? parseGoBoolean : parseExactBoolean;
}
