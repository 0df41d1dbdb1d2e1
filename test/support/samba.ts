/**
 * A throwaway Samba Active Directory DC for integration tests, through
 * scripts/samba-ad.sh (provision into a temp dir, offline data load with
 * ldbmodify, start on loopback). Samba's LDAP ports are fixed (389/636), so a
 * test file using it must run alone; startSamba() answers { skip } when port
 * 389 is taken or samba cannot be installed, and the file then skips.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AD_SETTINGS } from '../../src/ldap/vendor-settings.js';
import { removeThrowawayDir } from './throwaway.js';

export const AD_BASE = 'DC=ad,DC=example,DC=test';
export const AD_PEOPLE = `OU=People,${AD_BASE}`;
export const AD_GROUPS = `OU=Groups,${AD_BASE}`;

export interface SambaInstance {
  dir: string;
  ldapUrl: string;
  ldapsUrl: string;
  caFile: string;
  baseDn: string;
  bindDn: string;
  bindPassword: string;
  domainSid: string;
  pid: number;
  /** As measured by the script: "install=0.0s provision=6.4s load=11.2s start=0.7s total=18.9s". */
  timings: string;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'samba-ad.sh');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) out[match[1] as string] = (match[2] as string).replace(/^'(.*)'$/, '$1');
  }
  return out;
}

let running: SambaInstance | undefined;

function killSync(): void {
  if (!running) return;
  try {
    process.kill(running.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  removeThrowawayDir(running.dir);
  running = undefined;
}

/** Provisions and starts the DC with `ldif` loaded offline, or says why it cannot run here. */
export async function startSamba(ldif: string): Promise<SambaInstance | { skip: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samba-ad-'));
  const dataFile = path.join(dir, 'data.ldif');
  writeFileSync(dataFile, ldif);
  const target = path.join(dir, 'dc');
  const { code, stdout, stderr } = await run(['up', target, dataFile]);
  if (code === 3 || code === 4) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: stderr.trim().split('\n').pop() ?? `samba-ad.sh exited ${code}` };
  }
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`scripts/samba-ad.sh up failed (exit ${code}):\n${stderr}${stdout}`);
  }
  const env = parseEnv(stdout);
  const instance: SambaInstance = {
    dir,
    ldapUrl: env.SAMBA_LDAP_URL ?? 'ldap://127.0.0.1',
    ldapsUrl: env.SAMBA_LDAPS_URL ?? 'ldaps://127.0.0.1',
    caFile: env.SAMBA_CA_FILE ?? '',
    baseDn: env.SAMBA_BASE_DN ?? AD_BASE,
    bindDn: env.SAMBA_BIND_DN ?? '',
    bindPassword: env.SAMBA_BIND_PASSWORD ?? '',
    domainSid: env.SAMBA_DOMAIN_SID ?? '',
    pid: Number(env.SAMBA_PID),
    timings: env.SAMBA_TIMINGS ?? '',
  };
  running = instance;
  process.once('exit', killSync);
  return instance;
}

export async function stopSamba(instance: SambaInstance): Promise<void> {
  await run(['down', path.join(instance.dir, 'dc')]);
  removeThrowawayDir(instance.dir);
  if (running === instance) running = undefined;
}

/** The sam.ldb of the running DC, for ldbsearch (reads alongside the running server). */
export function samLdb(instance: SambaInstance): string {
  return path.join(instance.dir, 'dc', 'private', 'sam.ldb');
}

export function readCa(instance: SambaInstance): string {
  return readFileSync(instance.caFile, 'utf8');
}

/** The daemon's settings to reach the DC over ldaps as its admin, with what `check` suggests for Active Directory. */
export function sambaConnectionEnv(instance: SambaInstance): Record<string, string> {
  return {
    LDAP_ENABLED: 'true',
    LDAP_URL: instance.ldapsUrl,
    LDAP_TLS_CA_FILE: instance.caFile,
    LDAP_BIND_DN: instance.bindDn,
    LDAP_BIND_PASSWORD: instance.bindPassword,
    ...(AD_SETTINGS as Record<string, string>),
  };
}

// ---------------------------------------------------------------------------
// Test data

/** userAccountControl: NORMAL_ACCOUNT | PASSWD_NOTREQD (enabled without a password) and the same disabled. */
export const UAC_ENABLED = 544;
export const UAC_DISABLED = 546;

export interface AdUser {
  name: string;
  givenName: string;
  sn: string;
  disabled?: boolean;
}

export interface AdGroup {
  name: string;
  users?: string[];
  groups?: string[];
}

export const userDn = (name: string) => `CN=${name},${AD_PEOPLE}`;
export const groupDn = (name: string) => `CN=${name},${AD_GROUPS}`;
export const bigUser = (i: number) => `big${String(i).padStart(4, '0')}`;

/**
 * LDIF for ldbmodify: OUs, users, then groups without member groups, then the
 * member groups as modifications (a group DN must exist before it can be a
 * member, and this allows cycles).
 */
export function adLdif(users: AdUser[], groups: AdGroup[]): string {
  const blocks: string[] = [];
  for (const ou of ['People', 'Groups']) blocks.push(`dn: OU=${ou},${AD_BASE}\nobjectClass: organizationalUnit\nou: ${ou}`);
  for (const u of users) {
    blocks.push(
      [
        `dn: ${userDn(u.name)}`,
        'objectClass: user',
        `sAMAccountName: ${u.name}`,
        `userPrincipalName: ${u.name}@ad.example.test`,
        `givenName: ${u.givenName}`,
        `sn: ${u.sn}`,
        `displayName: ${u.givenName} ${u.sn}`,
        `mail: ${u.name}@ad.example.test`,
        `userAccountControl: ${u.disabled ? UAC_DISABLED : UAC_ENABLED}`,
      ].join('\n'),
    );
  }
  for (const g of groups) {
    blocks.push([`dn: ${groupDn(g.name)}`, 'objectClass: group', `sAMAccountName: ${g.name}`, ...(g.users ?? []).map((u) => `member: ${userDn(u)}`)].join('\n'));
  }
  for (const g of groups) {
    if (!g.groups?.length) continue;
    blocks.push([`dn: ${groupDn(g.name)}`, 'changetype: modify', 'add: member', ...g.groups.map((m) => `member: ${groupDn(m)}`), '-'].join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

/** ldbsearch on the DC's database: prints objectGUID in Windows form and objectSid as S-1-5-… text. */
export function ldbsearch(instance: SambaInstance, filter: string, attributes: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile('ldbsearch', ['-H', samLdb(instance), filter, ...attributes], (error, stdout, stderr) => {
      if (error) return reject(new Error(`ldbsearch failed: ${stderr}`));
      const out: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const match = /^([A-Za-z]+): (.*)$/.exec(line);
        if (match) out[match[1] as string] = match[2] as string;
      }
      resolve(out);
    });
  });
}

/** ldapsearch (OpenLDAP's client, not our code): raw attribute bytes as the wire carries them. */
export function ldapsearchBytes(instance: SambaInstance, base: string, attribute: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'ldapsearch',
      ['-x', '-H', instance.ldapUrl, '-D', instance.bindDn, '-w', instance.bindPassword, '-b', base, '-s', 'base', '-LLL', '-o', 'ldif-wrap=no', '(objectClass=*)', attribute],
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`ldapsearch failed: ${stderr}`));
        const match = new RegExp(`^${attribute}:: (.*)$`, 'mi').exec(stdout);
        if (!match) return reject(new Error(`no base64 ${attribute} in:\n${stdout}`));
        resolve(Buffer.from(match[1] as string, 'base64'));
      },
    );
  });
}
