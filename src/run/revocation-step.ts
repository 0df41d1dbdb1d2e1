import type { Config } from '../config/config.js';
import type { CredentialTables } from '../db/credential-revocation.js';
import type { PocketIdDatabase, SchemaReport } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { offboardedUsers, summarizeRevocation, type RevocationSummary } from '../sync/offboarding.js';
import type { SyncPlan } from '../sync/types.js';

/**
 * The credential tables this run revokes in, or null when revocation is off:
 * by LDAP_SYNC_REVOKE_SESSIONS=false, or (with one warning per run, never a
 * failure) because the database predates Pocket ID's oauth2_sessions table.
 */
export function revocationTables(config: Pick<Config, 'rules'>, schema: SchemaReport, log: Logger): CredentialTables | null {
  if (!config.rules.revokeSessions) return null;
  const { missing, ...tables } = schema.credentials;
  if (missing !== undefined) {
    log.warn(
      'Session revocation is off for this run: the database has no oauth2_sessions table as Pocket ID v2.10+ has it, so users this run disables or deletes keep their OAuth2 tokens until they expire (upgrade Pocket ID, or set LDAP_SYNC_REVOKE_SESSIONS=false to silence this)',
      { detail: missing },
    );
    return null;
  }
  return tables;
}

/** A dry run's look at what revocation would change, with read-only count queries. */
export async function previewRevocation(db: PocketIdDatabase, plan: SyncPlan, tables: CredentialTables): Promise<RevocationSummary> {
  const offboarded = offboardedUsers(plan);
  return summarizeRevocation(offboarded, await db.countRevocableCredentials(offboarded.map((u) => u.id), tables));
}
