import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../package/helpers';

const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, string[]>;
/** What 0.1.0 exported (commit 8346197), and what this version exports (pinned by exported-names.test.ts). */
const BEFORE = json('test/package/public-names-0.1.json');
const NOW = json('test/package/public-names.json');
const packageName = (entry: string) => `hostfactory-kernel${entry === '.' ? '' : entry.slice(1)}`;

/** `name@entry` of every row of docs/migrating.md's table, with its replacement text. */
const ROWS = new Map(
  [...readFileSync(join(ROOT, 'docs', 'migrating.md'), 'utf8').matchAll(/^\| `([^`]+)` \| `([^`]+)` \| (.+) \|$/gm)].map((m) => [`${m[1]}@${m[2]}`, m[3]!.trim()]),
);

describe('docs/migrating.md', () => {
  it('lists every 0.1 name that is no longer exported where it was, with a replacement', () => {
    const missing: string[] = [];
    for (const [entry, names] of Object.entries(BEFORE)) {
      for (const name of names) {
        if (NOW[entry]?.includes(name)) continue;
        const replacement = ROWS.get(`${name}@${packageName(entry)}`);
        if (replacement === undefined || replacement === '') missing.push(`${name} (${packageName(entry)})`);
      }
    }
    expect(missing, 'add a row to docs/migrating.md for each').toEqual([]);
  });

  it('lists no name that is still exported where it was (a stale row)', () => {
    const stale = [...ROWS.keys()].filter((key) => {
      const [name, pkg] = key.split('@') as [string, string];
      const entry = pkg === 'hostfactory-kernel' ? '.' : `.${pkg.slice('hostfactory-kernel'.length)}`;
      return NOW[entry]?.includes(name);
    });
    expect(stale).toEqual([]);
  });

  it('names only replacements that exist: every "moved to" entry exports the name', () => {
    for (const [key, text] of ROWS) {
      const moved = /^moved to `(hostfactory-kernel[^`]*)`$/.exec(text);
      if (moved === null) continue;
      const name = key.split('@')[0]!;
      const entry = moved[1] === 'hostfactory-kernel' ? '.' : `.${moved[1]!.slice('hostfactory-kernel'.length)}`;
      expect(NOW[entry], key).toContain(name);
    }
  });
});
