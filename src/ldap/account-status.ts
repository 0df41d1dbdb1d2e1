// Whether the directory itself marks an account as disabled
// (LDAP_SYNC_DISABLED_ACCOUNTS=true). Each vendor says it differently:
//   Active Directory, Samba: userAccountControl bit 0x2 (ACCOUNTDISABLE), MS-ADTS 2.2.16
//   AD LDS:                  msDS-UserAccountDisabled: TRUE
//   389-ds, FreeIPA:         nsAccountLock: TRUE (also usable on OpenLDAP with a custom schema)
// An attribute the entry does not have (or the bind account may not read)
// never disables anyone: only an explicit "disabled" counts.
import type { EntryValues } from './entry-values.js';

/** Requested in the user search when the setting is on; servers ignore the ones they do not know. */
export const ACCOUNT_STATUS_ATTRIBUTES = ['userAccountControl', 'msDS-UserAccountDisabled', 'nsAccountLock'] as const;

/** userAccountControl's ACCOUNTDISABLE flag. */
export const UAC_ACCOUNTDISABLE = 0x2;

function text(values: EntryValues, attribute: string): string | undefined {
  const raw = values.first(attribute);
  return raw === undefined ? undefined : raw.toString('utf8').trim();
}

/**
 * userAccountControl is a signed 32-bit INTEGER in decimal; AD writes values
 * with the top bit set as negative numbers. Returns null when it is not one.
 */
export function parseUserAccountControl(value: string): number | null {
  if (!/^-?\d{1,10}$/.test(value)) return null;
  const number = Number(value);
  if (number < -(2 ** 31) || number > 2 ** 32 - 1) return null;
  return number >>> 0;
}

/** TRUE in any case, as Boolean syntax and 389-ds' nsAccountLock are compared. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toUpperCase() === 'TRUE';
}

export interface AccountStatus {
  disabled: boolean;
  /** Which attribute said so ("userAccountControl=514"), for reports. */
  reason?: string;
}

export function accountStatus(values: EntryValues): AccountStatus {
  const uac = text(values, 'userAccountControl');
  if (uac !== undefined) {
    const flags = parseUserAccountControl(uac);
    if (flags !== null && (flags & UAC_ACCOUNTDISABLE) !== 0) return { disabled: true, reason: `userAccountControl=${uac}` };
  }
  const lds = text(values, 'msDS-UserAccountDisabled');
  if (isTrue(lds)) return { disabled: true, reason: `msDS-UserAccountDisabled=${lds}` };
  const lock = text(values, 'nsAccountLock');
  if (isTrue(lock)) return { disabled: true, reason: `nsAccountLock=${lock}` };
  return { disabled: false };
}
