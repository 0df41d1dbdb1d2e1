// Pocket ID's `email` binding: go-playground/validator v10.30.3 baked_in.go isEmail,
// which requires Go's net/mail.ParseAddress (Go 1.26 src/net/mail/message.go)
// to succeed AND emailRegexString (regexes.go) to match.

/**
 * The validator's emailRegexString, RE2 `\x{…}` written as `\u{…}`. It is the
 * specification; isValidEmail uses matchesEmailRegex, an equivalent that does
 * not backtrack exponentially. This one takes about a second to reject a
 * 24-character quoted local part or a 26-label domain, doubling with each
 * extra character, and LDAP values are not trusted input.
 */
export const EMAIL_REGEX =
  /^(?:(?:(?:(?:[a-zA-Z]|\d|[!#\$%&'\*\+\-\/=\?\^_`{\|}~]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])+(?:\.([a-zA-Z]|\d|[!#\$%&'\*\+\-\/=\?\^_`{\|}~]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])+)*)|(?:(?:\x22)(?:(?:(?:(?:\x20|\x09)*(?:\x0d\x0a))?(?:\x20|\x09)+)?(?:(?:[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]|\x21|[\x23-\x5b]|[\x5d-\x7e]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])|(?:(?:[\x01-\x09\x0b\x0c\x0d-\x7f]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]))))*(?:(?:(?:\x20|\x09)*(?:\x0d\x0a))?(\x20|\x09)+)?(?:\x22))))@(?:(?:(?:[a-zA-Z]|\d|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])|(?:(?:[a-zA-Z]|\d|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])(?:[a-zA-Z]|\d|-|\.|~|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])*(?:[a-zA-Z]|\d|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])))\.)+(?:(?:[a-zA-Z]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])|(?:(?:[a-zA-Z]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])(?:[a-zA-Z]|\d|-|\.|~|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])*(?:[a-zA-Z]|[\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}])))\.?$/u;

const LOCAL_PART =
  /^(?:[a-zA-Z0-9!#$%&'*+\-\/=?^_`{|}~\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]+(?:\.[a-zA-Z0-9!#$%&'*+\-\/=?^_`{|}~\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]+)*|"[\x01-\x09\x0b-\x7f\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]*(?:(?:\r\n[ \t][\x01-\x09\x0b-\x7f\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]+)*\r\n[ \t][\x01-\x09\x0b-\x7f\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]*)?")$/u;
const DOMAIN_CHARS = /^[a-zA-Z0-9\-.~\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]*$/u;
const LABEL_EDGE = /^[a-zA-Z0-9\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]$/u;
const TLD_EDGE = /^[a-zA-Z\u{00A0}-\u{D7FF}\u{F900}-\u{FDCF}\u{FDF0}-\u{FFEF}]$/u;

/**
 * Same answer as EMAIL_REGEX.test, derived from its grammar:
 * - The domain cannot contain '@', so the match splits at the last '@'.
 * - A quoted local part: the alternatives inside the quotes together allow
 *   every code point in [\x01-\x09\x0b-\x7f] and the Unicode ranges,
 *   including '"' and '\' (the quoted-pair branch has lost its backslash).
 *   LF only appears inside folding white space, as CRLF followed by a space or
 *   tab, and two folds need at least two characters between them.
 * - The domain `(label\.)+tld\.?` with labels that may contain dots reduces to:
 *   an optional final '.', then only label characters, the first one
 *   alphanumeric, the last one a letter, and some '.' with an alphanumeric
 *   before it and a letter after it.
 */
export function matchesEmailRegex(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at >= 0 && LOCAL_PART.test(value.slice(0, at)) && domainMatches(value.slice(at + 1));
}

function domainMatches(domain: string): boolean {
  const rest = Array.from(domain.endsWith('.') ? domain.slice(0, -1) : domain);
  const last = rest.length - 1;
  if (last < 2 || !DOMAIN_CHARS.test(rest.join(''))) return false;
  if (!LABEL_EDGE.test(rest[0] ?? '') || !TLD_EDGE.test(rest[last] ?? '')) return false;
  for (let k = 1; k < last; k++) {
    if (rest[k] === '.' && LABEL_EDGE.test(rest[k - 1] ?? '') && TLD_EDGE.test(rest[k + 1] ?? '')) return true;
  }
  return false;
}

/**
 * The everyday address, which both checks below accept (held to them by
 * test/unit/email.test.ts): words of ASCII letters, digits, "_", "+" and "-"
 * joined by single dots, then "@" and alphanumeric labels joined by single
 * "." or "-", ending in "." and letters. For Go, both halves are dot-atoms
 * and nothing follows; for the regex, the local part is its first
 * alternative, and the domain starts alphanumeric, ends in a letter and has a
 * dot between an alphanumeric and a letter. A hundred thousand addresses are
 * answered by this one test instead of a parser and four regular expressions
 * each (about 90 ms at L).
 */
export const PLAIN_ADDRESS = /^[a-zA-Z0-9_+-]+(?:\.[a-zA-Z0-9_+-]+)*@[a-zA-Z0-9]+(?:[.-][a-zA-Z0-9]+)*\.[a-zA-Z]+$/;

/** Whether Pocket ID accepts `value` (already NFC-normalised) as an email. */
export function isValidEmail(value: string): boolean {
  return PLAIN_ADDRESS.test(value) || passesBothChecks(value);
}

/** Go's address parser and the validator's regex, both. */
export function passesBothChecks(value: string): boolean {
  return goAcceptsAddrSpec(value) && matchesEmailRegex(value);
}

/**
 * net/mail.ParseAddress for a bare addr-spec. When the addr-spec fails, Go
 * falls back to `phrase <addr>` and `phrase: group;`, which can only succeed
 * for text ending in '>', ';', a comment or white space. EMAIL_REGEX rejects
 * all of those, so the fallback is not reproduced. Domain literals
 * (`a@[192.0.2.1]`) are rejected here for the same reason, and so are comments
 * whose RFC 2047 words name an unknown charset.
 */
function goAcceptsAddrSpec(value: string): boolean {
  let s = skipSpace(value);
  if (s === '') return false;
  let rest: string | null;
  if (s.startsWith('"')) {
    const quoted = consumeQuotedString(s);
    if (quoted === null || quoted.text === '') return false;
    rest = quoted.rest;
  } else {
    rest = consumeDotAtom(s);
  }
  if (rest === null || !rest.startsWith('@')) return false;
  // Go skips spaces after '@' too, so "a@ b.c" parses.
  s = skipSpace(rest.slice(1));
  if (s === '' || s.startsWith('[')) return false;
  rest = consumeDotAtom(s);
  return rest !== null && skipCfws(rest) === '';
}

function skipSpace(s: string): string {
  let i = 0;
  while (s[i] === ' ' || s[i] === '\t') i++;
  return s.slice(i);
}

/** RFC 6532 VCHAR as Go has it: every rune from U+0080 on counts, C1 controls included. */
function isVchar(cp: number): boolean {
  return (cp >= 0x21 && cp <= 0x7e) || cp >= 0x80;
}

function isWsp(cp: number): boolean {
  return cp === 0x20 || cp === 0x09;
}

/** A lone surrogate stands for bytes Go would reject as invalid UTF-8. */
function isLoneSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

function consumeQuotedString(s: string): { text: string; rest: string } | null {
  let text = '';
  let escaped = false;
  for (let i = 1; i < s.length; ) {
    const cp = s.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (isLoneSurrogate(cp)) return null;
    if (escaped) {
      if (!isVchar(cp) && !isWsp(cp)) return null;
      text += ch;
      escaped = false;
    } else if ((isVchar(cp) && cp !== 0x22 && cp !== 0x5c) || isWsp(cp)) {
      text += ch;
    } else if (cp === 0x22) {
      return { text, rest: s.slice(i + 1) };
    } else if (cp === 0x5c) {
      escaped = true;
    } else {
      return null;
    }
    i += ch.length;
  }
  return null;
}

const SPECIALS = '()<>[]:;@\\,"';

/** A strict dot-atom: no leading, trailing or doubled dot. Returns the rest. */
function consumeDotAtom(s: string): string | null {
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i) ?? 0;
    if (isLoneSurrogate(cp)) return null;
    const ch = String.fromCodePoint(cp);
    if (ch !== '.' && (SPECIALS.includes(ch) || !isVchar(cp))) break;
    i += ch.length;
  }
  const atom = s.slice(0, i);
  if (atom === '' || atom.startsWith('.') || atom.endsWith('.') || atom.includes('..')) return null;
  return s.slice(i);
}

/** Skips spaces and (nested, backslash-escaped) comments; null if a comment is unclosed. */
function skipCfws(s: string): string | null {
  let rest = skipSpace(s);
  while (rest.startsWith('(')) {
    let depth = 1;
    let i = 1;
    for (; i < rest.length && depth > 0; i++) {
      if (rest[i] === '\\' && i + 1 < rest.length) i++;
      else if (rest[i] === '(') depth++;
      else if (rest[i] === ')') depth--;
    }
    if (depth > 0) return null;
    rest = skipSpace(rest.slice(i));
  }
  return rest;
}
