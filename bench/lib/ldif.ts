import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { ADMIN_GROUP, BASE_DN, GROUPS_DN, PEOPLE_DN, groupDn, userDn, type DirectoryModel } from './model.js';

/** RFC 2849: anything beyond printable ASCII (or a leading space/colon/<) goes base64. */
function line(attribute: string, value: string): string {
  return /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ')
    ? `${attribute}: ${value}\n`
    : `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}\n`;
}

function header(): string {
  return [
    `dn: ${BASE_DN}`, 'objectClass: top', 'objectClass: dcObject', 'objectClass: organization', 'dc: example', 'o: Example Inc.',
    'entryUUID: 00000000-0000-4000-8000-000000000001', '',
    `dn: ${PEOPLE_DN}`, 'objectClass: organizationalUnit', 'ou: people', 'entryUUID: 00000000-0000-4000-8000-000000000002', '',
    `dn: ${GROUPS_DN}`, 'objectClass: organizationalUnit', 'ou: groups', 'entryUUID: 00000000-0000-4000-8000-000000000003', '',
    // The sync's bind account: a normal entry, so the server's size limit applies to it.
    `dn: cn=reader,${BASE_DN}`, 'objectClass: organizationalRole', 'objectClass: simpleSecurityObject', 'cn: reader', 'userPassword: readerpw',
    'entryUUID: 00000000-0000-4000-8000-000000000005', '', '',
  ].join('\n');
}

/**
 * Streams the model as LDIF to `file` (a few MB of text at a time, honouring
 * back-pressure), so even the 1M-membership directory never exists as one
 * string. Returns the number of bytes written.
 */
/** --claims: the values behind BENCH_USER_CLAIMS of the user at `index` (a JSON-looking number, a string, two phone numbers). */
export function claimValuesOf(index: number): { departmentNumber: string; employeeNumber: string; telephoneNumber: [string, string] } {
  const n = String(index + 1).padStart(6, '0');
  return { departmentNumber: `dept-${index % 40}`, employeeNumber: String(index + 100000), telephoneNumber: [`+1 555 1${n}`, `+1 555 2${n}`] };
}

function claimAttributes(index: number): string {
  const { departmentNumber, employeeNumber, telephoneNumber } = claimValuesOf(index);
  return `departmentNumber: ${departmentNumber}\nemployeeNumber: ${employeeNumber}\n${telephoneNumber.map((phone) => `telephoneNumber: ${phone}\n`).join('')}`;
}

/** Two string claims and one array claim, read from the attributes claimAttributes() writes. */
export const BENCH_USER_CLAIMS = 'department=departmentNumber,employee_id=employeeNumber,phones=telephoneNumber[]';

/** The oldest change time the generated entries carry: 2025-01-01T00:00:00Z. */
const HISTORY_START = Date.UTC(2025, 0, 1) / 1000;
const HISTORY_SECONDS = 300 * 86_400;

/**
 * When entry number `n` last changed, as slapd records it: spread over 300 days of 2025 (a multiplicative
 * step, so neighbours differ), not all in the second slapadd ran. A real directory's entries changed over
 * months, and an incremental run asks for entries changed since its watermark: with every entry stamped in
 * one second, each run would return all of them.
 */
function changeStamp(n: number): string {
  const seconds = HISTORY_START + ((n * 2_654_435_761) % HISTORY_SECONDS);
  const time = new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `createTimestamp: ${time}Z\nmodifyTimestamp: ${time}Z\nentryCSN: ${time}.000000Z#000000#000#000000\n`;
}

export async function writeLdif(model: DirectoryModel, file: string, options: { claims?: boolean } = {}): Promise<number> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  let chunk = header();
  let bytes = 0;
  const flush = async (force: boolean) => {
    if (!force && chunk.length < 1 << 21) return;
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
    chunk = '';
  };
  for (const [index, user] of model.users.entries()) {
    if (!user) continue;
    chunk += `dn: ${userDn(user)}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n`;
    chunk += `uid: ${user.uid}\n` + line('cn', user.displayName) + line('givenName', user.givenName) + line('sn', user.sn);
    chunk += line('displayName', user.displayName) + `mail: ${user.mail}\nentryUUID: ${user.uuid}\n` + changeStamp(index);
    chunk += (options.claims ? claimAttributes(index) : '') + '\n';
    await flush(false);
  }
  for (const [index, group] of model.groups.entries()) {
    chunk += `dn: ${groupDn(group)}\nobjectClass: top\nobjectClass: groupOfNames\ncn: ${group.cn}\nentryUUID: ${group.uuid}\n`;
    chunk += changeStamp(model.users.length + index);
    if (group.cn === ADMIN_GROUP) chunk += 'description: Pocket ID administrators\n';
    for (const m of group.members) {
      const user = model.users[m];
      if (user) chunk += `member: ${userDn(user)}\n`;
      if (chunk.length >= 1 << 21) await flush(true);
    }
    chunk += '\n';
    await flush(false);
  }
  await flush(true);
  out.end();
  await once(out, 'finish');
  return bytes;
}
