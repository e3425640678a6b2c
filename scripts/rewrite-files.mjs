// The command-line part the import converters share (example-imports.mjs, barrel-imports.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

/**
 * Rewrites each file (the command's arguments, else `defaults()`) with `convert(text, file)` →
 * `{ text, unresolved }`, reports each unresolved item as `problem`, and sets exit code 1 if any.
 */
export function rewriteFiles(root, name, defaults, convert, problem) {
  const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : defaults();
  let changed = 0;
  for (const file of files) {
    const before = readFileSync(file, 'utf8');
    const { text, unresolved } = convert(before, file);
    if (text !== before) {
      writeFileSync(file, text);
      changed++;
    }
    for (const u of unresolved) {
      process.exitCode = 1;
      console.error(`${relative(root, file)}: ${problem} ${u}`);
    }
  }
  console.log(`${name}: ${changed} file(s) rewritten`);
}
