/**
 * Creates an empty Pocket ID SQLite database, as a fresh Pocket ID would have it after its migrations.
 *
 *   node dist/demo/create-database.js DATABASE_FILE SCHEMA.sql
 *
 * WAL journal like Pocket ID's own connections. Refuses to overwrite an existing file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const [file, schemaFile] = process.argv.slice(2);
if (file === undefined || schemaFile === undefined) {
  process.stderr.write('usage: create-database.js DATABASE_FILE SCHEMA.sql\n');
  process.exit(2);
}
if (existsSync(file)) {
  process.stderr.write(`create-database: ${file} already exists\n`);
  process.exit(1);
}

mkdirSync(path.dirname(file), { recursive: true });
const db = new Database(file);
try {
  db.pragma('journal_mode = WAL');
  db.exec(readFileSync(schemaFile, 'utf8'));
  const version = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').get()?.version;
  const tables = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()?.n ?? 0;
  process.stdout.write(`Created ${file}: ${tables} tables, schema_migrations version ${version ?? 'none'}, no users, no groups.\n`);
} finally {
  db.close();
}
