import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage } from './sqlite-storage';

describe('createSqliteStorage({ nativeBinding })', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-sqlite-addon-'));
    dirs.push(dir);
    return join(dir, 'db.sqlite');
  };

  it('loads better-sqlite3 from the addon path it is given', async () => {
    const addon = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    const storage = createSqliteStorage({ filename: file(), nativeBinding: addon });
    await storage.readModels.put('things', { id: 'a', n: 1 });
    expect(await storage.readModels.get('things', 'a')).toEqual({ id: 'a', n: 1 });
    storage.close();
  });

  it('uses that path, not its own search: a wrong one fails to open', () => {
    expect(() => createSqliteStorage({ filename: file(), nativeBinding: join(tmpdir(), 'no-such-addon.node') })).toThrow(/no-such-addon\.node/);
  });
});
