import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GOLDEN_DIR, GOLDEN_RELEASES, GoldenCloud, checkGoldenData, goldenAnswers } from '../../../test/support/golden';
import { SyncRequest, createHostFactory, isKernelError } from 'hostfactory-kernel';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../migrations';
import { createSqliteStorage } from '../sqlite-storage';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of `release`'s database (the fixture itself is never written). */
function copyOf(release: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-golden-sqlite-'));
  dirs.push(dir);
  const filename = join(dir, 'hostfactory.db');
  copyFileSync(join(GOLDEN_DIR, release, 'sqlite.db'), filename);
  return filename;
}

/** The schema as SQLite records it: every table, index and trigger with its SQL. */
function ddl(db: Database.Database): unknown[] {
  return db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
}

describe.each(GOLDEN_RELEASES)('the SQLite example on the stored data of %s', (release) => {
  it('migrates forward to exactly the schema of a new database, applying only the versions it lacks', () => {
    const filename = copyOf(release);
    const db = new Database(filename);
    const fresh = new Database(':memory:');
    try {
      const recorded = db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all();
      // Forward-only: what a release applied is still the same step (never edited, renumbered or dropped).
      expect(recorded).toEqual(MIGRATIONS.slice(0, recorded.length).map((m) => ({ version: m.version, name: m.name })));
      const before = schemaVersion(db);
      expect(migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version > before).map((m) => m.version));
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      migrate(fresh);
      expect(ddl(db)).toEqual(ddl(fresh));
      expect(migrate(db), 'a second open applies nothing').toEqual([]);
    } finally {
      db.close();
      fresh.close();
    }
  });

  it('answers as that release did, continues its open requests to completion, and rebuilds the same read models', async () => {
    const storage = createSqliteStorage({ filename: copyOf(release) });
    try {
      await checkGoldenData(storage, release);
    } finally {
      storage.close();
    }
  });
});

describe('the SQLite example on a record a newer release wrote', () => {
  it('refuses the snapshot where the aggregate is loaded, naming type and versions, and writes nothing', async () => {
    const release = GOLDEN_RELEASES.at(-1)!;
    const filename = copyOf(release);
    const [open] = goldenAnswers(release).openRequestIds;
    const raw = new Database(filename);
    raw.prepare("UPDATE requests SET snapshot = json_set(snapshot, '$.schemaVersion', 2) WHERE id = ?").run(open);
    const head = raw.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()!.n;
    const storage = createSqliteStorage({ filename });
    const factory = createHostFactory({ storage, provider: new GoldenCloud(goldenAnswers(release).cloud) });
    try {
      const error = await factory.commands.execute(SyncRequest.from({ requestId: open! })).catch((e: unknown) => e);
      expect(isKernelError(error, 'SCHEMA_VERSION_UNSUPPORTED'), String(error)).toBe(true);
      expect((error as { details: unknown }).details).toEqual({ kind: 'snapshot', type: 'Request', storedVersion: 2, supportedVersion: 1, oldestVersion: 1 });
      expect(raw.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()!.n).toBe(head);
      expect(raw.prepare<[string], { v: number }>("SELECT json_extract(snapshot, '$.schemaVersion') AS v FROM requests WHERE id = ?").get(open!)!.v).toBe(2);
    } finally {
      factory.dispose();
      storage.close();
      raw.close();
    }
  });
});
