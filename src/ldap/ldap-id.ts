// Pocket ID's convertLdapIdToString (v2.14.0, backend/internal/ldapsync/service.go)
// with github.com/google/uuid v1.6.0 FromBytes/String and Go 1.26 utf8.ValidString.
import { isAscii } from 'node:buffer';
import { decodeUtf8, nfc } from '../text/go-text.js';

/**
 * The string Pocket ID stores in `ldap_id` for a raw unique-identifier value.
 *
 * Deliberate difference: valid UTF-8 containing NUL is treated as binary.
 * Pocket ID would keep it as text and PostgreSQL `text` cannot store NUL, so
 * Pocket ID's insert fails there; an ID that can be stored is more useful than
 * reproducing that failure.
 */
export function ldapIdFromBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  // Most ids are ASCII text (entryUUID, nsUniqueId): valid UTF-8 and already NFC, so the checks
  // below would return them as they are; an id scan meets 100,000 of them.
  if (isAscii(bytes) && !bytes.includes(0)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const text = decodeUtf8(bytes);
  if (text !== null && !text.includes('\u0000')) return nfc(text);
  // Byte order as given (RFC 4122): an AD objectGUID is not swapped to the
  // mixed-endian form Windows displays, because Pocket ID does not swap it.
  if (bytes.length === 16) return formatUuid(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Active Directory's identifier formats.

/**
 * objectSid in its standard text form, S-1-5-21-…-RID (MS-DTYP 2.4.2.2): a
 * revision byte, a sub-authority count, a 48-bit big-endian identifier
 * authority (hex above 2^32, as Windows writes it), then little-endian 32-bit
 * sub-authorities. Null when the bytes are not a well-formed SID.
 */
export function sidToString(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  const revision = bytes[0];
  const count = bytes[1];
  if (revision !== 1 || count > 15 || bytes.length !== 8 + 4 * count) return null;
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + bytes[i];
  const authorityText = authority >= 2 ** 32 ? `0x${authority.toString(16).toUpperCase().padStart(12, '0')}` : String(authority);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = [`S-${revision}`, authorityText];
  for (let i = 0; i < count; i++) parts.push(String(view.getUint32(8 + 4 * i, true)));
  return parts.join('-');
}

/**
 * The converter for the configured unique-identifier attribute. objectSid
 * becomes its S-1-5-… text (Pocket ID itself would store base64 of the 28
 * bytes, see docs/directories.md); every other attribute, objectGUID included, is
 * converted exactly as Pocket ID does, so a switch from the built-in sync
 * keeps every ldap_id.
 */
export function uniqueIdConverter(attribute: string): (bytes: Uint8Array) => string {
  if (attribute.toLowerCase() === 'objectsid') {
    return (bytes) => sidToString(bytes) ?? ldapIdFromBytes(bytes);
  }
  return ldapIdFromBytes;
}
