// What the profile-picture integration tests share: photo-like images made with sharp, a local
// HTTP server that serves one of them, and a fixture (slapd, a Pocket ID database, an upload
// directory) that reads the stored pictures back from the filesystem or the storage table.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Attribute, Change, type Client } from 'ldapts';
import sharp from 'sharp';
import { readMarker } from '../../src/pictures/png-marker.js';
import { startSlapd, type SlapdInstance } from './slapd.js';
import { testEnv, type SyncOutcome } from './sync-harness.js';
import { createTestDatabase, type DbKind, type TestDatabase } from './test-database.js';

export const PEOPLE = 'ou=people,dc=example,dc=com';
export const dn = (uid: string) => `uid=${uid},${PEOPLE}`;
export const OLD_SECONDS = 1_000_000_000; // 2001-09-09: a time no write of these tests can produce

export type Backend = 'filesystem' | 'database';

/** Grain shared by every generated photo, per size (making noise is the slow part). */
const grains = new Map<string, Promise<Buffer>>();
function grain(width: number, height: number): Promise<Buffer> {
  const key = `${width}x${height}`;
  let made = grains.get(key);
  if (!made) {
    made = sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } }).raw().toBuffer();
    grains.set(key, made);
  }
  return made;
}

/**
 * A photo-like image, distinct per seed: a coloured square on a background,
 * with grain so that it compresses like a photograph (a 640x480 JPEG is then
 * tens of KiB, like a real jpegPhoto, not 2 KiB like a flat colour).
 */
export async function photo(seed: number, format: 'jpeg' | 'png' | 'webp', width = 640, height = 480): Promise<Buffer> {
  const side = Math.round(Math.min(width, height) / 3);
  const image = sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 200 } } }).composite([
    { input: { create: { width: side, height: side, channels: 3, background: { r: 255 - ((seed * 53) % 256), g: 40, b: (seed * 17) % 256 } } }, left: side, top: Math.round(side / 2) },
    { input: await grain(width, height), raw: { width, height, channels: 3 }, blend: 'overlay' },
  ]);
  return image.toFormat(format, format === 'jpeg' ? { quality: 85 } : {}).toBuffer();
}

/** Serves /ok.webp, counts requests, answers 404 for anything else. */
export class PictureServer {
  hits = new Map<string, number>();
  body: Buffer = Buffer.alloc(0);
  onRequest: (() => Promise<void>) | null = null;
  private server: Server | null = null;
  base = '';

  async start(): Promise<void> {
    this.body = await photo(99, 'webp', 500, 500);
    this.server = createServer((req, res) => {
      const url = req.url ?? '';
      this.hits.set(url, (this.hits.get(url) ?? 0) + 1);
      const answer = async () => {
        if (this.onRequest) await this.onRequest();
        if (url === '/ok.webp') res.writeHead(200, { 'content-type': 'image/webp' }).end(this.body);
        else res.writeHead(404, 'Not Found').end('<html>gone</html>');
      };
      void answer();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

export async function setPicture(client: Client, uid: string, value: Buffer | string | null): Promise<void> {
  const values = value === null ? [] : [typeof value === 'string' ? Buffer.from(value) : value];
  await client.modify(dn(uid), [new Change({ operation: 'replace', modification: new Attribute({ type: 'jpegPhoto', values }) })]);
}

export interface Stored {
  data: Buffer;
  /** File mtime or storage.mod_time, in seconds. */
  time: number;
  size?: number;
  /** storage.created_at, in seconds (database only). */
  created?: number;
}

export interface Fixture {
  slapd: SlapdInstance;
  db: TestDatabase;
  uploads: string;
  env: Record<string, string>;
  stored(): Promise<Map<string, Stored>>;
  /** Moves every stored picture's time to OLD_SECONDS, so that any later write shows. */
  age(): Promise<void>;
  idOf(username: string): Promise<string>;
  done(): Promise<void>;
}

export async function pictureFixture(backend: Backend, kind: DbKind, overrides: Record<string, string> = {}): Promise<Fixture> {
  const slapd = await startSlapd();
  const db = await createTestDatabase(kind);
  const uploads = mkdtempSync(path.join(tmpdir(), 'pictures-uploads-'));
  const env = testEnv(slapd, db, { LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: 'jpegPhoto', FILE_BACKEND: backend, UPLOAD_PATH: uploads, ...overrides });
  const pictureDir = path.join(uploads, 'profile-pictures');
  const toSeconds = (v: unknown) => (v instanceof Date ? Math.floor(v.getTime() / 1000) : Number(v));
  return {
    slapd, db, uploads, env,
    async stored() {
      const out = new Map<string, Stored>();
      if (backend === 'filesystem') {
        let names: string[] = [];
        try {
          names = readdirSync(pictureDir);
        } catch {
          return out;
        }
        for (const name of names) {
          const file = path.join(pictureDir, name);
          out.set(`profile-pictures/${name}`, { data: readFileSync(file), time: Math.floor(statSync(file).mtimeMs / 1000) });
        }
      } else {
        const rows = await sql<{ path: string; data: Buffer; size: number | string; mod_time: unknown; created_at: unknown }>`SELECT path, data, size, mod_time, created_at FROM storage`.execute(db.db);
        for (const row of rows.rows) {
          out.set(row.path, { data: Buffer.from(row.data), time: toSeconds(row.mod_time), size: Number(row.size), created: toSeconds(row.created_at) });
        }
      }
      return out;
    },
    async age() {
      if (backend === 'filesystem') {
        for (const name of readdirSync(pictureDir)) utimesSync(path.join(pictureDir, name), OLD_SECONDS, OLD_SECONDS);
      } else {
        const old = kind === 'postgres' ? new Date(OLD_SECONDS * 1000) : OLD_SECONDS;
        await sql`UPDATE storage SET mod_time = ${old}, created_at = ${old}`.execute(db.db);
      }
    },
    async idOf(username) {
      const user = await db.user(username);
      assert.ok(user, `user ${username} exists`);
      return user.id;
    },
    async done() {
      await db.close();
      await slapd.stop();
      rmSync(uploads, { recursive: true, force: true });
    },
  };
}

export function pictureWarnings(outcome: SyncOutcome): string[] {
  return outcome.logs.split('\n').filter((line) => / WRN Error saving profile picture for LDAP user /.test(line));
}

export async function assertProfilePng(data: Buffer, label: string): Promise<void> {
  const meta = await sharp(data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 300, 300], label);
  assert.match(readMarker(data) ?? '', /^v1 sha256=[0-9a-f]{64}$/, `${label}: carries the change marker`);
}
