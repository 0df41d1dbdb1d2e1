// Pocket ID's convertLdapIdToString (v2.14.0, backend/internal/ldapsync/service.go)
// with github.com/google/uuid v1.6.0 FromBytes/String and Go 1.26 utf8.ValidString.
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
