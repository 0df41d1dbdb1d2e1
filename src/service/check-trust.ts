// `check` lines for what a sync would trust without seeing it: the page size
// against the server's size limit, and whether the bind account may read the
// disabled flag and the admin group's member attribute.
import { SizeLimitExceededError, type Client } from 'ldapts';
import type { Config } from '../config/config.js';
import { inspectAttributeVisibility } from '../ldap/attribute-visibility.js';
import { detectVendor } from '../ldap/vendors.js';
import { errorMessage } from '../log/error-message.js';

/** One line of `check` (check.ts's CheckLine, declared here too so the two files do not import each other). */
interface CheckLine {
  ok: boolean;
  name: string;
  detail: string;
}

/** The first page of the user search at LDAP_SYNC_PAGE_SIZE: a size limit at or below it fails that page. */
async function pageSizeCheck(client: Client, config: Config): Promise<CheckLine> {
  const name = 'LDAP page size';
  const { pageSize } = config.ldap;
  try {
    const pages = client.searchPaginated(config.ldap.base, { scope: 'sub', filter: config.ldap.userFilter, attributes: ['1.1'], paged: { pageSize } });
    for await (const page of pages) {
      return { ok: true, name, detail: `LDAP_SYNC_PAGE_SIZE=${pageSize}: the first page of the user search returned ${page.searchEntries.length} entries` };
    }
    return { ok: true, name, detail: `LDAP_SYNC_PAGE_SIZE=${pageSize}: the user search returned no page` };
  } catch (error) {
    if (error instanceof SizeLimitExceededError) {
      return {
        ok: false,
        name,
        detail:
          `LDAP_SYNC_PAGE_SIZE=${pageSize} is not below the server's size limit for ${config.ldap.bindDn} (size limit exceeded on the first page); ` +
          `a sync retries with smaller pages and warns each run: set LDAP_SYNC_PAGE_SIZE below the limit (389-ds: 2000, Active Directory: 1000)`,
      };
    }
    return { ok: false, name, detail: `paged user search: ${errorMessage(error)}` };
  }
}

async function visibilityCheck(client: Client, config: Config): Promise<CheckLine | null> {
  const name = 'LDAP attributes the sync trusts';
  if (!config.ldap.syncDisabledAccounts && config.rules.adminGroupName === '') return null;
  try {
    const vendor = await detectVendor(client);
    const report = await inspectAttributeVisibility(client, config.ldap, vendor, config.rules.adminGroupName);
    if (report.hidden.length > 0) return { ok: false, name, detail: report.hidden.map((h) => h.message).join('; ') };
    const parts = [
      ...(report.verified.length > 0 ? [`readable: ${report.verified.join(', ')}`] : []),
      ...(report.unprobed.length > 0 ? [`not probed: ${report.unprobed.join(', ')}; the re-enable guard refuses a run that rests on their absence`] : []),
    ];
    return { ok: true, name, detail: parts.join('; ') };
  } catch (error) {
    return { ok: false, name, detail: errorMessage(error) };
  }
}

export async function trustChecks(client: Client, config: Config): Promise<CheckLine[]> {
  const lines = [await pageSizeCheck(client, config)];
  const visibility = await visibilityCheck(client, config);
  if (visibility) lines.push(visibility);
  return lines;
}
