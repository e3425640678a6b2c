import { mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prepareDatabaseFiles } from './database-files';

/*
 * The database checks in-process. Through the scripts, a faked user id makes the provider's state
 * directory itself another user's, which is refused first (file-attacks.test.ts); here the database
 * file alone is another user's.
 */
describe('prepareDatabaseFiles', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'hf-dbfiles-'));
    dirs.push(made);
    return made;
  };
  afterEach(() => {
    vi.restoreAllMocks();
    for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
  });

  it("refuses a database owned by another user with STORAGE_UNAVAILABLE, and leaves it alone", () => {
    const filename = join(dir(), 'hostfactory.db');
    writeFileSync(filename, 'theirs');
    const uid = process.getuid!();
    vi.spyOn(process, 'getuid').mockReturnValue(uid + 1);
    expect(() => prepareDatabaseFiles(filename)).toThrow(expect.objectContaining({ code: 'STORAGE_UNAVAILABLE', message: expect.stringMatching(/hostfactory\.db.*owned by another user/) }));
    vi.restoreAllMocks();
    expect(readFileSync(filename, 'utf8')).toBe('theirs');
  });

  it('refuses a database that is a symbolic link, never touching its target', () => {
    const d = dir();
    const victim = join(dir(), 'victim');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(d, 'hostfactory.db'));
    expect(() => prepareDatabaseFiles(join(d, 'hostfactory.db'))).toThrow(expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' }));
    expect(readFileSync(victim, 'utf8')).toBe('keep');
  });

  it('creates an absent database of this user, and accepts it on the next call', () => {
    const filename = join(dir(), 'hostfactory.db');
    prepareDatabaseFiles(filename);
    expect(() => prepareDatabaseFiles(filename)).not.toThrow();
  });
});
