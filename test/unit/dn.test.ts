import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDNProperty, isDN, normalizeDN, parseDN } from '../../src/ldap/dn.js';

const single = (type: string, value: string) => [{ type, value }];

test('parseDN splits RDNs and keeps type and value case', () => {
  assert.deepEqual(parseDN('UID=jsmith,DC=example,DC=net'), [
    single('UID', 'jsmith'),
    single('DC', 'example'),
    single('DC', 'net'),
  ]);
});

test('parseDN decodes \\, and \\2C to the same comma', () => {
  const expected = [single('cn', 'Doe, John'), single('ou', 'People')];
  assert.deepEqual(parseDN('cn=Doe\\, John,ou=People'), expected);
  assert.deepEqual(parseDN('cn=Doe\\2C John,ou=People'), expected);
});

test('parseDN decodes \\+ and \\2B instead of starting a new attribute', () => {
  assert.deepEqual(parseDN('cn=John\\+Doe,dc=x'), [single('cn', 'John+Doe'), single('dc', 'x')]);
  assert.deepEqual(parseDN('cn=John\\2bDoe'), [single('cn', 'John+Doe')]);
});

test('parseDN keeps multi-valued RDN attributes in their original order', () => {
  assert.deepEqual(parseDN('OU=Sales+CN=J. Smith,DC=example'), [
    [
      { type: 'OU', value: 'Sales' },
      { type: 'CN', value: 'J. Smith' },
    ],
    single('DC', 'example'),
  ]);
});

test('parseDN decodes hex escapes as bytes, then UTF-8', () => {
  assert.deepEqual(parseDN('CN=Lu\\C4\\8Di\\C4\\87'), [single('CN', 'Lučić')]);
  assert.deepEqual(parseDN('cn=Jim\\2C \\22Hasse H\u00f6\\22 Hansson!'), [single('cn', 'Jim, "Hasse Hö" Hansson!')]);
});

test('parseDN turns escaped bytes that are not UTF-8 into one U+FFFD each', () => {
  assert.deepEqual(parseDN('cn=\\ff\\fe'), [single('cn', '\uFFFD\uFFFD')]);
});

test('parseDN strips unescaped spaces around types and values, and only spaces', () => {
  assert.deepEqual(parseDN('  CN  =  Lu\\C4\\8Di\\C4\\87  ,  dc = x '), [single('CN', 'Lučić'), single('dc', 'x')]);
  assert.deepEqual(parseDN('A = 88  \t'), [single('A', '88  \t')]);
});

test('parseDN keeps escaped leading and trailing spaces', () => {
  assert.deepEqual(parseDN('cn=\\ John Doe\\ ,dc=x'), [single('cn', ' John Doe '), single('dc', 'x')]);
  assert.deepEqual(parseDN('cn=John\\20'), [single('cn', 'John ')]);
});

test('parseDN counts backslashes before a trailing space (v3.4.14)', () => {
  assert.deepEqual(parseDN('cn=admin\\\\ '), [single('cn', 'admin\\')]);
  assert.deepEqual(parseDN('cn=admin\\\\\\ '), [single('cn', 'admin\\ ')]);
});

test('parseDN accepts ; as an RDN separator and raw = inside values', () => {
  assert.deepEqual(parseDN('cn=john.doe;dc=example'), [single('cn', 'john.doe'), single('dc', 'example')]);
  assert.deepEqual(parseDN('cn=a=b'), [single('cn', 'a=b')]);
});

test('parseDN re-reads the type when it decoded to empty (go-ldap quirk)', () => {
  assert.deepEqual(parseDN('=a=b'), [single('a', 'b')]);
});

test('parseDN decodes #hex BER values', () => {
  assert.deepEqual(parseDN('1.3.6.1.4.1.1466.0=#04024869,DC=net'), [
    single('1.3.6.1.4.1.1466.0', 'Hi'),
    single('DC', 'net'),
  ]);
  assert.deepEqual(parseDN('cn=#0c02c3a9'), [single('cn', 'é')]);
});

test('parseDN gives a constructed BER value its re-encoded children', () => {
  assert.deepEqual(parseDN('cn=#3006040161040162'), [single('cn', '\u0004\u0001a\u0004\u0001b')]);
  assert.deepEqual(parseDN('cn=#30800401610000'), [single('cn', '\u0004\u0001a')]);
});

test('parseDN only treats # right after = as BER', () => {
  assert.deepEqual(parseDN('cn= #04024869'), [single('cn', '#04024869')]);
  assert.equal(parseDN('cn=#04024869 '), null);
});

test('parseDN returns the empty DN for blank input, like go-ldap', () => {
  assert.deepEqual(parseDN(''), []);
  assert.deepEqual(parseDN(' \t\u0085'), []);
});

const invalid: Array<[string, string]> = [
  ['alice', 'no type at all'],
  ['alice@example.com', 'an email address'],
  ['*', 'no type at all'],
  ['test,DC=example,DC=com', 'first RDN has no type'],
  ['=test,DC=example,DC=com', 'empty type'],
  ['DC=example,=net', 'empty type at the end'],
  ['cn=John,', 'trailing comma'],
  ['cn=John+', 'trailing plus'],
  ['cn=John;', 'trailing semicolon'],
  ['cn=a+,dc=x', 'plus followed by comma'],
  ['cn=Jim\\0Test', 'hex escape with a non-hex digit'],
  ['cn=Jim\\0', 'hex escape cut short'],
  ['cn=John\\', 'lone trailing backslash'],
  ['cn=Lu\\Či', 'escaped non-ASCII character'],
  ['cn=John "Doe",dc=com', 'raw double quote'],
  ['cn=John<Doe,dc=com', 'raw <'],
  ['cn=John>Doe,dc=com', 'raw >'],
  ['cn=John\u0000Doe,dc=com', 'raw NUL'],
  ['1=#0402486', 'odd-length hex'],
  ['1=#0402486900', 'bytes after the BER value'],
  ['1=#04024869ffff,DC=net', 'bytes after the BER value, not last'],
  ['DF=#6666666666665006838820013100000746939546349182108463491821809FBFFFFFFFFF', 'truncated BER'],
  ['cn=#', 'empty BER'],
  ['cn=#0480', 'indefinite length on a primitive'],
  ['cn=#0c01ff', 'UTF8String that is not UTF-8'],
  ['cn=#13012a', 'PrintableString with *'],
  ['cn=#160180', 'IA5String with a byte above 0x7e'],
  ['cn=#30030401', 'child runs past the end'],
  ['cn=#3002040161', 'child overruns its parent length'],
];

for (const [dn, reason] of invalid) {
  test(`parseDN rejects ${JSON.stringify(dn)}: ${reason}`, () => {
    assert.equal(parseDN(dn), null);
    assert.equal(isDN(dn), false);
  });
}

test('isDN matches Pocket ID: anything ParseDN accepts, including blank text', () => {
  assert.equal(isDN('uid=alice'), true);
  assert.equal(isDN('uid=alice,ou=people,dc=example,dc=com'), true);
  assert.equal(isDN(''), true);
  assert.equal(isDN('   '), true);
  assert.equal(isDN('alice'), false);
});

test('normalizeDN gives \\, and \\2C escapes the same key', () => {
  const expected = 'cn=doe, john,ou=people,dc=example,dc=com';
  assert.equal(normalizeDN('cn=Doe\\, John,ou=People,dc=Example,dc=COM'), expected);
  assert.equal(normalizeDN('CN=Doe\\2C John,OU=People,DC=Example,DC=COM'), expected);
});

test('normalizeDN removes spaces between components', () => {
  assert.equal(normalizeDN('UID=Alice , ou=People,  dc=Example'), 'uid=alice,ou=people,dc=example');
});

test('normalizeDN keeps multi-valued order (go-ldap DN.String would sort)', () => {
  assert.equal(normalizeDN('UID=b+CN=a,DC=x'), 'uid=b+cn=a,dc=x');
});

test('normalizeDN does not re-escape decoded values', () => {
  assert.equal(normalizeDN('cn=a\\+b\\;c\\ ,dc=x'), 'cn=a+b;c ,dc=x');
  assert.equal(normalizeDN('1.3.6.1.4.1.1466.0=#04024869'), '1.3.6.1.4.1.1466.0=hi');
});

test('normalizeDN lower-cases one rune at a time like Go', () => {
  assert.equal(normalizeDN('CN=\u0130STANBUL \u03a3\u0391\u03a3,DC=X'), 'cn=istanbul \u03c3\u03b1\u03c3,dc=x');
});

test('normalizeDN falls back to Go TrimSpace and lower case for non-DNs', () => {
  assert.equal(normalizeDN('  Alice\n'), 'alice');
  assert.equal(normalizeDN('\u0085Alice\u0085'), 'alice');
  assert.equal(normalizeDN('\uFEFFAlice'), '\uFEFFalice');
  assert.equal(normalizeDN('cn=John "Doe",DC=com'), 'cn=john "doe",dc=com');
});

test('normalizeDN of blank input is empty', () => {
  assert.equal(normalizeDN(''), '');
  assert.equal(normalizeDN('   '), '');
});

test('getDNProperty returns the raw text after attr= in any RDN', () => {
  assert.equal(getDNProperty('uid', 'uid=alice,ou=people,dc=example'), 'alice');
  assert.equal(getDNProperty('UID', 'cn=x, Uid=Bob ,dc=y'), 'Bob');
  assert.equal(getDNProperty('uid', 'uidNumber=5,uid=x'), 'x');
});

test('getDNProperty does not decode escapes and splits at escaped commas', () => {
  assert.equal(getDNProperty('cn', 'cn=Doe\\, John,dc=x'), 'Doe\\');
  assert.equal(getDNProperty('cn', 'cn=Doe\\2C John,dc=x'), 'Doe\\2C John');
  assert.equal(getDNProperty('cn', 'cn=#04024869'), '#04024869');
});

test('getDNProperty skips parts with an empty value and keeps looking', () => {
  assert.equal(getDNProperty('uid', 'uid=,uid=bob'), 'bob');
});

test('getDNProperty returns "" when nothing matches', () => {
  assert.equal(getDNProperty('uid', 'cn=alice,dc=x'), '');
  assert.equal(getDNProperty('uid', 'alice'), '');
  assert.equal(getDNProperty('uid', 'uid = bob'), '');
  assert.equal(getDNProperty('uid', 'cn=a+uid=b,dc=x'), '');
});

test('getDNProperty trims with Go TrimSpace', () => {
  assert.equal(getDNProperty('uid', 'cn=x,\u0085uid=bob\u0085'), 'bob');
  assert.equal(getDNProperty('uid', '\uFEFFuid=bob'), '');
});

test('getDNProperty slices the original bytes at the lower-cased prefix length (Go quirk)', () => {
  // "İ" is two bytes but lower-cases to the one-byte "i".
  assert.equal(getDNProperty('id', '\u0130d=bob'), '=bob');
  // Go would panic slicing past the shorter lower-cased text.
  assert.equal(getDNProperty('uid', '\u212A\u212A'), '');
});

test('normalizeDN of a plain DN (taken without parsing) is what parsing and joining it gives, over random DNs', () => {
  // What normalizeDN made of every DN before plain ones were told apart.
  const parsedKey = (dn: string) => {
    const parsed = parseDN(dn);
    return parsed === null ? null : parsed.map((rdn) => rdn.map((a) => `${a.type}=${a.value}`.toLowerCase()).join('+')).join(',');
  };
  let seed = 11;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const alphabet = 'aZ9.-_@=, +#;\\"<>é';
  let plain = 0;
  for (let round = 0; round < 20_000; round++) {
    const length = 1 + next(24);
    let dn = round % 2 === 0 ? 'cn=' : '';
    for (let k = 0; k < length; k++) dn += next(3) === 0 ? (alphabet[next(alphabet.length)] as string) : 'aZ9.-_@='[next(8)];
    const expected = parsedKey(dn);
    if (expected === null || /[^\x00-\x7f]/.test(dn)) continue;
    if (/^[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+(,[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+)*$/.test(dn)) plain += 1;
    assert.equal(normalizeDN(dn), expected, dn);
  }
  assert.ok(plain > 1_000, `plain DNs drawn: ${plain}`);
  assert.equal(normalizeDN('CN=Team-1,OU=Groups,DC=Example,DC=com'), 'cn=team-1,ou=groups,dc=example,dc=com');
});
