// The files a throwaway slapd (slapd.ts) starts from: its cn=config LDIF (back_mdb, the schemas,
// the size limits of non-root binds, TLS when asked) and a throwaway CA and server certificate.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool } from './throwaway.js';

export const BASE_DN = 'dc=example,dc=com' as const;
export const ADMIN_DN = 'cn=admin,dc=example,dc=com' as const;
export const ADMIN_PASSWORD = 'adminpw';

export function findBin(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found (run: bash scripts/install-test-deps.sh)`);
}

// ---------------------------------------------------------------------------------------------
// TLS material

export async function makeCerts(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const openssl = findBin('openssl');
  const ca = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'server.crt');
  const ext = path.join(dir, 'server.ext');
  // EC P-256 keys: generation is ~instant, unlike RSA.
  await runTool(openssl, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', caKey, '-out', ca, '-days', '3650', '-subj', '/CN=Test LDAP CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await runTool(openssl, [
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', csr, '-subj', '/CN=localhost',
  ]);
  writeFileSync(ext, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '',
  ].join('\n'));
  await runTool(openssl, [
    'x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial',
    '-out', cert, '-days', '825', '-sha256', '-extfile', ext,
  ]);
  return { ca, cert, key };
}

// ---------------------------------------------------------------------------------------------
// cn=config

export function configLdif(o: {
  dir: string;
  sizeLimit: number;
  tls?: { ca: string; cert: string; key: string };
}): string {
  const limit = `size.soft=${o.sizeLimit} size.hard=${o.sizeLimit} size.pr=noEstimate size.prtotal=unlimited`;
  const uid = process.getuid ? process.getuid() : 0;
  const gid = process.getgid ? process.getgid() : 0;
  const global = [
    'dn: cn=config',
    'objectClass: olcGlobal',
    'cn: config',
    `olcPidFile: ${o.dir}/slapd.pid`,
    `olcArgsFile: ${o.dir}/slapd.args`,
    'olcLogLevel: none',
  ];
  if (o.tls) {
    global.push(
      `olcTLSCACertificateFile: ${o.tls.ca}`,
      `olcTLSCertificateFile: ${o.tls.cert}`,
      `olcTLSCertificateKeyFile: ${o.tls.key}`,
      'olcTLSVerifyClient: never',
    );
  }
  return [
    ...global,
    '',
    'dn: cn=module{0},cn=config',
    'objectClass: olcModuleList',
    'cn: module{0}',
    'olcModulePath: /usr/lib/ldap',
    'olcModuleLoad: back_mdb',
    '',
    'dn: cn=schema,cn=config',
    'objectClass: olcSchemaConfig',
    'cn: schema',
    '',
    'include: file:///etc/ldap/schema/core.ldif',
    '',
    'include: file:///etc/ldap/schema/cosine.ldif',
    '',
    'include: file:///etc/ldap/schema/inetorgperson.ldif',
    '',
    'include: file:///etc/ldap/schema/nis.ldif',
    '',
    'dn: olcDatabase={-1}frontend,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcFrontendConfig',
    'olcDatabase: {-1}frontend',
    '',
    'dn: olcDatabase={0}config,cn=config',
    'objectClass: olcDatabaseConfig',
    'olcDatabase: {0}config',
    `olcAccess: {0}to * by dn.exact=gidNumber=${gid}+uidNumber=${uid},cn=peercred,cn=external,cn=auth manage by * none`,
    '',
    'dn: olcDatabase={1}mdb,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcMdbConfig',
    'olcDatabase: {1}mdb',
    `olcSuffix: ${BASE_DN}`,
    `olcRootDN: ${ADMIN_DN}`,
    `olcRootPW: ${ADMIN_PASSWORD}`,
    `olcDbDirectory: ${o.dir}/data`,
    'olcDbMaxSize: 1073741824',
    'olcDbNoSync: TRUE',
    'olcDbIndex: objectClass eq',
    'olcDbIndex: uid,cn,mail,member,memberUid,entryUUID eq',
    `olcLimits: {0}users ${limit}`,
    `olcLimits: {1}anonymous ${limit}`,
    'olcAccess: {0}to attrs=userPassword by anonymous auth by * none',
    'olcAccess: {1}to * by * read',
    '',
  ].join('\n');
}
