#!/usr/bin/env node
// Rewrites examples' imports of the library's sources (`../../src/...`) into imports of the package
// by name (`hostfactory-kernel`, `hostfactory-kernel/storage`, ...), as a host writes them.
//
//   node scripts/example-imports.mjs            # every file under examples/
//   node scripts/example-imports.mjs FILE...    # only these files
//
// An entry point's file maps to its subpath (tsconfig.json `paths` is the one list of them). An import
// of any other source file is split by name over the entry points that export each name
// (test/package/public-names.json, the root first); a name no entry exports is left as it was and
// reported, and the command exits with 1 (make the name public or rewrite the example).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rewriteFiles } from './rewrite-files.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE = 'hostfactory-kernel';
const EXTENSIONS = ['.ts', '.mts', '.cts', '.mjs', '.js', '.cjs'];

/** Source file (repository-relative, no extension) → package specifier, from tsconfig.json `paths`. */
export function entryFiles(root = ROOT) {
  const paths = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions.paths;
  const files = new Map();
  for (const [specifier, [target]] of Object.entries(paths)) files.set(relative(root, resolve(root, target)).replace(/\.ts$/, ''), specifier);
  // Where `./storage` lived before 0.3, for branches written against it.
  files.set('src/application/storage/index', `${PACKAGE}/storage`);
  return files;
}

/** Public name → the entry points exporting it, root first (test/package/public-names.json). */
function publicEntries(root = ROOT) {
  const names = JSON.parse(readFileSync(join(root, 'test/package/public-names.json'), 'utf8'));
  const byName = new Map();
  for (const [entry, list] of Object.entries(names)) {
    const specifier = entry === '.' ? PACKAGE : `${PACKAGE}/${entry.slice(2)}`;
    for (const name of list) byName.set(name, [...(byName.get(name) ?? []), specifier]);
  }
  return byName;
}

/** The library source file an example's relative specifier points at (repository-relative, no extension), or undefined. */
function sourceTarget(file, specifier, root) {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(root, resolve(dirname(file), specifier)).replace(/\.(ts|js|mjs|cjs)$/, '');
  if (!target.startsWith('src/') && target !== 'src') return undefined;
  return existsSync(join(root, target)) && statSync(join(root, target)).isDirectory() ? `${target}/index` : target;
}

const STATEMENT = /\b(import|export)(\s+type)?\s+(\{[^}]*\})\s+from\s+(['"])([^'"]+)\4;?/g;
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"]+)\2/g;

/**
 * Rewrites one file's text. Returns `{ text, unresolved }`: `unresolved` lists the names (or
 * specifiers) it could not map to a public entry point.
 */
export function convertText(text, file, root = ROOT) {
  const entries = entryFiles(root);
  const byName = publicEntries(root);
  const unresolved = [];
  // Named lists from a non-entry source file: split over the entries that export each name.
  let out = text.replace(STATEMENT, (whole, keyword, typeOnly, list, quote, specifier) => {
    const target = sourceTarget(file, specifier, root);
    if (target === undefined || entries.has(target)) return whole;
    const groups = new Map();
    for (const raw of list.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean)) {
      const name = raw.replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim();
      const home = byName.get(name)?.[0];
      if (home === undefined) {
        unresolved.push(`${name} (from '${specifier}')`);
        return whole;
      }
      groups.set(home, [...(groups.get(home) ?? []), raw]);
    }
    return [...groups]
      .map(([home, names]) => `${keyword}${typeOnly ?? ''} { ${names.join(', ')} } from ${quote}${home}${quote};`)
      .join('\n');
  });
  // Whole entry points (`../../src/index`, `../../src/testing`): the specifier alone changes.
  out = out.replace(SPECIFIER, (whole, lead, quote, specifier) => {
    const target = sourceTarget(file, specifier, root);
    if (target === undefined) return whole;
    const entry = entries.get(target);
    if (entry === undefined) {
      if (!unresolved.some((u) => u.endsWith(`'${specifier}')`))) unresolved.push(`'${specifier}'`);
      return whole;
    }
    return `${lead}${quote}${entry}${quote}`;
  });
  return { text: out, unresolved };
}

function* exampleFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.build')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* exampleFiles(path);
    else if (EXTENSIONS.some((e) => name.endsWith(e))) yield path;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rewriteFiles(ROOT, 'example-imports', () => [...exampleFiles(join(ROOT, 'examples'))], convertText, 'not public, left as is:');
}
