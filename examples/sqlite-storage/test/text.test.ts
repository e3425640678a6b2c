import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { hostileTextCases } from '../../../test/support/hostile-text';
import { createSqliteStorage, type SqliteStorage } from '../sqlite-storage';

/* The one rule for text (docs/domain.md, "Text") on SQLite: the same cases, the same answers, as on PostgreSQL. */
describe('SQLite storage: hostile text through the ports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-text-'));
  let next = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  hostileTextCases(
    async () => createSqliteStorage({ filename: join(dir, `text-${next++}.sqlite`) }),
    (storage) => (storage as SqliteStorage).close(),
  );
});
