import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations.
import { convertText } from '../../scripts/example-imports.mjs';

/*
 * The examples are what a host copies: they import the package by name and its exported subpaths
 * only (`hostfactory-kernel`, `hostfactory-kernel/storage`, ...), never the library's sources or
 * built files by path. (Their tests may share the repository's test helpers in test/.)
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = join(ROOT, 'examples');
const SUBPATHS = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'hostfactory-kernel' : `hostfactory-kernel/${key.slice(2)}`));

/** Where the library's own code lives: an example reaches it through the package name only. */
const LIBRARY_FILES = ['src', 'dist'].map((dir) => join(ROOT, dir));

function exampleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.build')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return exampleFiles(path);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

/** Each import of `file` (static, dynamic, `require`, re-export) that reaches past the package's public entry points. */
function deepImports(file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((specifier) => {
      if (specifier.startsWith('.')) return LIBRARY_FILES.some((dir) => `${resolve(dirname(file), specifier)}/`.startsWith(`${dir}/`));
      if (specifier === 'hostfactory-kernel' || specifier.startsWith('hostfactory-kernel/')) return !SUBPATHS.includes(specifier);
      return false;
    })
    .map((specifier) => `${relative(ROOT, file)}: '${specifier}'`);
}

describe('the examples', () => {
  it('import the library by its package name and exported subpaths only', () => {
    const files = exampleFiles(EXAMPLES);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((file) => deepImports(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('would be caught importing a source file, a built file or an unexported subpath', () => {
    const file = join(EXAMPLES, 'sqlite-storage', 'probe.ts');
    const text = [
      "import { Command } from 'hostfactory-kernel';",
      "import type { Storage } from 'hostfactory-kernel/storage';",
      "import { helper } from './helper';",
    "import { templates } from '../../test/support/templates';",
      // (split so that scripts/barrel-imports.mjs, run over test/, leaves this probe alone)
      "import { COLLECTIONS } from " + "'../../src/application';",
      "export { Template } from '../../src/storage/index';",
      "const lazy = () => import('../../dist/index.js');",
      "const old = require('hostfactory-kernel/dist/index.cjs');",
      "import { x } from 'hostfactory-kernel/application';",
    ].join('\n');
    expect(deepImports(file, text)).toEqual([
      "examples/sqlite-storage/probe.ts: '../../src/application'",
      "examples/sqlite-storage/probe.ts: '../../src/storage/index'",
      "examples/sqlite-storage/probe.ts: '../../dist/index.js'",
      "examples/sqlite-storage/probe.ts: 'hostfactory-kernel/dist/index.cjs'",
      "examples/sqlite-storage/probe.ts: 'hostfactory-kernel/application'",
    ]);
  });
});

describe('the package names under vitest', () => {
  it('run the same modules as the library’s own tests: one copy of each class and of its metadata', async () => {
    const pairs = await Promise.all([
      Promise.all([import('hostfactory-kernel'), import('../../src/index')]),
      Promise.all([import('hostfactory-kernel/storage'), import('../../src/storage/index')]),
      Promise.all([import('hostfactory-kernel/testing'), import('../../src/testing/index')]),
      Promise.all([import('hostfactory-kernel/hostfactory'), import('../../src/hostfactory/index')]),
    ]);
    for (const [byName, byPath] of pairs) expect(byName).toBe(byPath);
  });
});

describe('scripts/example-imports.mjs (converts an example written against ../../src)', () => {
  const file = join(EXAMPLES, 'some-adapter', 'test', 'adapter.test.ts');

  it('maps entry points to subpaths and splits other source files by where each name is public', () => {
    const before = [
      "import { Command, type Storage } from '../../../src/index';",
      "import { createInMemoryStorage } from '../../../src/testing';",
      "import { runStorageContract } from '../../../src/testing/vitest';",
      "import { KeyLocks } from '../../../src/application/storage/index';",
      "import { parseJsonText } from '../../../src/hostfactory/json-text';",
      "import type { DomainEvent, Transaction } from '../../../src/application';",
      "import { local } from '../helper';",
    ].join('\n');
    const { text, unresolved } = convertText(before, file) as { text: string; unresolved: string[] };
    expect(unresolved).toEqual([]);
    expect(text.split('\n')).toEqual([
      "import { Command, type Storage } from 'hostfactory-kernel';",
      "import { createInMemoryStorage } from 'hostfactory-kernel/testing';",
      "import { runStorageContract } from 'hostfactory-kernel/testing/vitest';",
      "import { KeyLocks } from 'hostfactory-kernel/storage';",
      "import { parseJsonText } from 'hostfactory-kernel/hostfactory';",
      "import type { DomainEvent } from 'hostfactory-kernel';",
      "import type { Transaction } from 'hostfactory-kernel/storage';",
      "import { local } from '../helper';",
    ]);
    expect(deepImports(file, text)).toEqual([]);
  });

  it('leaves an import of a name no entry point exports as it was, and reports it', () => {
    const before = "import { COLLECTIONS, CreateTemplate } from '../../../src/application';";
    const { text, unresolved } = convertText(before, file) as { text: string; unresolved: string[] };
    expect(text).toBe(before);
    expect(unresolved).toEqual(["COLLECTIONS (from '../../../src/application')"]);
  });
});
