import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import tsupConfig from '../../tsup.config';
import { sourceFiles, SRC } from './source-graph';

/*
 * Every `index.ts` in src is a package entry point (tsup.config.ts `entry`), and an entry lists its
 * names from the files that define them or from another entry point: there is no internal barrel
 * re-listing names, so a name has one list per entry it is public in. `./storage` is built from
 * src/storage/, the folder of the storage ports and the checks adapters share.
 */
const ROOT = resolve(SRC, '..');
const ENTRIES = Object.values((tsupConfig as { entry: Record<string, string> }).entry).map((file) => join(ROOT, file));

function resolveSource(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate)) ?? base;
}

/** `file`'s re-exports that go through an `index.ts` that is not an entry point. */
function barrelHops(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements
    .filter(ts.isExportDeclaration)
    .map((statement) => (statement.moduleSpecifier as ts.StringLiteral | undefined)?.text)
    .filter((specifier): specifier is string => specifier !== undefined && specifier.startsWith('.'))
    .map((specifier) => resolveSource(file, specifier))
    .filter((target) => target.endsWith('/index.ts') && !ENTRIES.includes(target))
    .map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`);
}

describe('the entry points of src', () => {
  it('are the only index files: no internal barrel re-lists their names', () => {
    const indexes = sourceFiles(SRC).filter((file) => file.endsWith('/index.ts'));
    expect(indexes.filter((file) => !ENTRIES.includes(file)).map((file) => relative(ROOT, file))).toEqual([]);
    expect(ENTRIES.flatMap(barrelHops)).toEqual([]);
  });

  it('build ./storage from src/storage/, which holds the storage ports', () => {
    expect((tsupConfig as { entry: Record<string, string> }).entry['storage/index']).toBe('src/storage/index.ts');
    const ports = ['storage', 'unit-of-work', 'repositories', 'event-log', 'read-model-store', 'adapter-checks', 'read-model-query', 'key-locks', 'batch'];
    expect(ports.filter((port) => !existsSync(join(SRC, 'storage', `${port}.ts`)))).toEqual([]);
  });
});
