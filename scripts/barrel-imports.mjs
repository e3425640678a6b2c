#!/usr/bin/env node
// Rewrites imports of the internal barrels removed in 0.3 (`src/domain/index.ts`,
// `src/application/index.ts`, and `src/application/storage/*`, now `src/storage/*`) into imports of
// the files that define each name, as the rest of src does.
//
//   node scripts/barrel-imports.mjs             # every .ts file under src/, test/, examples/, bench/
//   node scripts/barrel-imports.mjs FILE...     # only these files
//
// A name no file of that folder defines is left as it was and reported (exit code 1).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { rewriteFiles } from './rewrite-files.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BARRELS = { 'src/domain': 'src/domain', 'src/application': 'src/application' };

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.build') || name === 'runners' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/** Name → defining file (repository-relative, no extension), for every module under `folder`. */
function definitions(folder) {
  const found = new Map();
  for (const file of tsFiles(join(ROOT, folder))) {
    if (file.endsWith('/index.ts')) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      const exported = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (!exported) continue;
      const names = ts.isVariableStatement(statement) ? statement.declarationList.declarations.map((d) => d.name.getText(source)) : [statement.name?.getText(source)];
      for (const name of names) if (name !== undefined && !found.has(name)) found.set(name, relative(ROOT, file).replace(/\.ts$/, ''));
    }
  }
  return found;
}

const byFolder = Object.fromEntries(Object.keys(BARRELS).map((folder) => [folder, definitions(folder)]));
const STATEMENT = /\b(import|export)(\s+type)?\s*\{([^}]*)\}\s*from\s*(['"])([^'"]+)\4;?/g;

function specifierTo(file, target) {
  const spec = relative(dirname(file), join(ROOT, target));
  return spec.startsWith('.') ? spec : `./${spec}`;
}

/** Rewrites one file's text; returns `{ text, unresolved }`. */
export function convertText(text, file) {
  const unresolved = [];
  let out = text.replace(STATEMENT, (whole, keyword, typeOnly, list, quote, specifier) => {
    if (!specifier.startsWith('.')) return whole;
    const target = relative(ROOT, resolve(dirname(file), specifier)).replace(/\/index$/, '');
    // The storage ports moved folder whole.
    if (target.startsWith('src/application/storage')) return whole.replace(specifier, specifierTo(file, target.replace('src/application/storage', 'src/storage')));
    const names = byFolder[target];
    if (names === undefined || existsSync(join(ROOT, `${target}/index.ts`))) return whole;
    const groups = new Map();
    for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
      const name = raw.replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim();
      const home = names.get(name);
      if (home === undefined) {
        unresolved.push(`${name} (from '${specifier}')`);
        return whole;
      }
      groups.set(home, [...(groups.get(home) ?? []), raw]);
    }
    return [...groups].map(([home, items]) => `${keyword}${typeOnly ?? ''} { ${items.join(', ')} } from ${quote}${specifierTo(file, home)}${quote};`).join('\n');
  });
  return { text: out, unresolved };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rewriteFiles(ROOT, 'barrel-imports', () => ['src', 'test', 'examples', 'bench'].flatMap((d) => [...tsFiles(join(ROOT, d))]), convertText, 'no file defines');
}
