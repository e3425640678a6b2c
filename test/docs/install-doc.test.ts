import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import tsupConfig from '../../tsup.config';
import { ROOT } from '../package/helpers';

/*
 * The install lines of README.md and docs/packaging.md name every peer: the required ones on the
 * first line, and each optional one with the entry point that needs it (the entry whose sources
 * import it), so a user of `./otel` or `./testing/vitest` learns what to add from the first page.
 */
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const OPTIONAL = Object.keys(pkg.peerDependenciesMeta).filter((name) => pkg.peerDependenciesMeta[name]!.optional === true);
const REQUIRED = Object.keys(pkg.peerDependencies).filter((name) => !OPTIONAL.includes(name));

/** The packages the sources of one entry point import, through its relative imports. */
function packagesOf(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) {
        packages.add(fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : fileName.split('/')[0]!);
        continue;
      }
      const base = resolve(dirname(file), fileName);
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (target !== undefined) visit(target);
    }
  };
  visit(join(ROOT, entry));
  return packages;
}

/** Subpath (`hostfactory-kernel/otel`) → source file, for every entry point. */
const ENTRIES = Object.entries((tsupConfig as { entry: Record<string, string> }).entry).map(([out, source]) => ({
  name: `hostfactory-kernel${out === 'index' ? '' : `/${out.replace(/\/index$/, '')}`}`,
  source,
}));

/** The `npm install` lines of the first ```sh block after `heading` in `doc`. */
function installLines(doc: string, heading: string): string[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const from = text.indexOf(heading);
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(from))?.[1] ?? '';
  return block.split('\n').filter((line) => line.startsWith('npm install'));
}

describe.each([
  ['README.md', '## Install'],
  ['docs/packaging.md', '## Consuming the package'],
])('the install lines of %s', (doc, heading) => {
  const lines = installLines(doc, heading);

  it('name the package and every required peer on the first line', () => {
    expect(lines[0]?.split(/\s+/)).toEqual(expect.arrayContaining(['hostfactory-kernel', ...REQUIRED]));
  });

  it.each(OPTIONAL)('name the optional peer %s with the entry point that needs it', (peer) => {
    const needing = ENTRIES.filter((entry) => packagesOf(entry.source).has(peer)).map((entry) => entry.name);
    expect(needing.length, `no entry point imports ${peer}`).toBeGreaterThan(0);
    expect(needing).not.toContain('hostfactory-kernel');
    const line = lines.find((l) => l.split(/\s+/).includes(peer));
    expect(line, `no install line names ${peer}`).toBeDefined();
    for (const name of needing) expect(line).toMatch(new RegExp(`optional.*\\b${name.replace(/\//g, '\\/')}(\\s|$)`));
  });
});
