import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version as bundled } from 'better-sqlite3/package.json';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAddonPath } from './provider-config';

// Where the provider finds better-sqlite3's addon: the node_modules folders Node would search from the
// bundle, nearest first (the bundle's require.resolve.paths), without require.resolve's package scan.
describe('sqliteAddonPath', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  /** node_modules folders, each holding better-sqlite3 of `version` (and its addon unless `addon` is false), or nothing. */
  function folders(...installs: ({ version: string; addon?: boolean } | undefined)[]): string[] {
    const root = mkdtempSync(join(tmpdir(), 'hf-addon-'));
    roots.push(root);
    return installs.map((install, i) => {
      const modules = join(root, `level${i}`, 'node_modules');
      mkdirSync(modules, { recursive: true });
      if (install !== undefined) {
        const pkg = join(modules, 'better-sqlite3');
        mkdirSync(join(pkg, 'build', 'Release'), { recursive: true });
        writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: install.version }));
        if (install.addon !== false) writeFileSync(join(pkg, 'build', 'Release', 'better_sqlite3.node'), '');
      }
      return modules;
    });
  }
  const code = (run: () => unknown) => {
    try {
      run();
      return 'none';
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it('takes the nearest folder that holds the package, as require would', () => {
    const searched = folders(undefined, { version: bundled }, { version: '0.0.1' });
    expect(sqliteAddonPath(searched)).toBe(join(searched[1]!, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  });

  it('is SQLITE_ADDON_MISMATCH for another release than the bundle was built with, even when a farther folder has the right one', () => {
    const searched = folders({ version: '0.0.1' }, { version: bundled });
    expect(code(() => sqliteAddonPath(searched))).toBe('SQLITE_ADDON_MISMATCH');
  });

  it('is SQLITE_ADDON_MISSING with no package, no addon built, an unreadable package.json, or no folders at all', () => {
    expect(code(() => sqliteAddonPath(folders(undefined, undefined)))).toBe('SQLITE_ADDON_MISSING');
    expect(code(() => sqliteAddonPath(folders({ version: bundled, addon: false })))).toBe('SQLITE_ADDON_MISSING');
    const broken = folders({ version: bundled });
    writeFileSync(join(broken[0]!, 'better-sqlite3', 'package.json'), '{ not json');
    expect(code(() => sqliteAddonPath(broken))).toBe('SQLITE_ADDON_MISSING');
    expect(code(() => sqliteAddonPath(null))).toBe('SQLITE_ADDON_MISSING');
    expect(code(() => sqliteAddonPath([]))).toBe('SQLITE_ADDON_MISSING');
  });

  it('finds the installed package from this repository as the bundle would', () => {
    expect(sqliteAddonPath(require.resolve.paths('better-sqlite3'))).toMatch(/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/);
  });
});
