import { errorMessage } from '../log/error-message.js';
// What a picture attribute holds, as Pocket ID reads it (v2.14 backend/internal/ldapsync/service.go
// saveProfilePicture): a URL
// to fetch, base64 text, or the image bytes themselves. Two deliberate
// differences: only http(s) values are URLs (Pocket ID also takes a value
// starting with "/" for a URL, so base64 JPEG text, "/9j/...", always fails
// there), and a download that does not answer 2xx is an error (Pocket ID
// decodes whatever body an error page has).

/** A picture that cannot be used: the reason is logged with the user's DN; the run goes on. */
export class PictureError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PictureError';
  }
}

export type SourceKind = 'bytes' | 'base64' | 'url';

export interface PictureSource {
  kind: SourceKind;
  /** The image file's bytes: as read, decoded from base64, or downloaded. */
  bytes: Buffer;
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

/** Signatures of the formats Pocket ID decodes: such bytes are never read as text. */
const IMAGE_SIGNATURES: { format: string; test: (b: Buffer) => boolean }[] = [
  { format: 'jpeg', test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { format: 'png', test: (b) => b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a },
  { format: 'gif', test: (b) => b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6)) },
  { format: 'webp', test: (b) => b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
  { format: 'tiff', test: (b) => b.length >= 4 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*') },
  { format: 'bmp', test: (b) => b.length >= 14 && b.toString('latin1', 0, 2) === 'BM' },
];

export function imageSignature(bytes: Buffer): string | null {
  return IMAGE_SIGNATURES.find((s) => s.test(bytes))?.format ?? null;
}

/** Go's base64.StdEncoding: padding required; Go skips \r and \n, nothing else. */
function strictBase64(text: string): Buffer | null {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return null;
  if (!/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** A URL for log lines: no user:password@, no query (it may carry a token). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
}

async function download(url: URL, limits: FetchLimits): Promise<Buffer> {
  const shown = describeUrl(url);
  const seconds = limits.timeoutMs / 1000;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const tooLarge = () => new PictureError(`${shown} is larger than LDAP_SYNC_PICTURE_MAX_BYTES=${limits.maxBytes}`);
  try {
    // Credentials in the URL become Basic auth, as Go's HTTP client (Pocket ID's) sends them.
    const headers: Record<string, string> = { accept: 'image/*' };
    const target = new URL(url);
    if (target.username !== '' || target.password !== '') {
      const credentials = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
      headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    const response = await fetch(target, { signal, redirect: 'follow', headers });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new PictureError(`${shown} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const parts: Buffer[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limits.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge();
        }
        parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
    return Buffer.concat(parts, size);
  } catch (error) {
    if (error instanceof PictureError) throw error;
    if (signal.aborted) throw new PictureError(`${shown} did not answer within ${seconds} s (LDAP_SYNC_PICTURE_TIMEOUT)`, { cause: error });
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new PictureError(`cannot download ${shown}: ${errorMessage(error)}${cause}`, { cause: error });
  }
}

/**
 * The image bytes an attribute value stands for. Order: bytes with an image
 * signature are taken as they are; then text that is an http(s) URL is
 * downloaded; then strict base64 is decoded; anything else is taken as the
 * image bytes (and fails later if it is not an image).
 */
export async function resolvePictureSource(value: Buffer, limits: FetchLimits): Promise<PictureSource> {
  if (imageSignature(value) !== null) return { kind: 'bytes', bytes: value };
  // Latin-1 keeps every byte; a URL or base64 is ASCII anyway.
  const text = value.toString('latin1').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https') throw new PictureError(`only http and https URLs are fetched, not ${scheme}:`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new PictureError('the value starts like a URL but is not a valid one');
    }
    return { kind: 'url', bytes: await download(url, limits) };
  }
  const decoded = strictBase64(text);
  if (decoded !== null) return { kind: 'base64', bytes: decoded };
  return { kind: 'bytes', bytes: value };
}
