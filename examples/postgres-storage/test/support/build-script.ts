import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** Packages a built script loads from node_modules instead of bundling. */
const EXTERNAL = ['pg', 'nats', 'better-sqlite3', 'typedi', 'reflect-metadata', 'class-validator', 'class-transformer', 'vitest'];

/**
 * Bundles a TypeScript entry (and the library sources it imports) into one ES module under
 * `.tmp/`, with tsup, so a child process can run it with plain `node`. tsup compiles decorators
 * with swc (emitDecoratorMetadata), exactly as the package build does. Returns the file's path.
 */
export async function buildScript(entry: string, name: string): Promise<string> {
  const { build } = await import('tsup');
  const outDir = join(ROOT, '.tmp', `examples-${process.pid}-${name}`);
  mkdirSync(outDir, { recursive: true });
  await build({
    entry: { [name]: entry },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    bundle: true,
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: false,
    silent: true,
    config: false,
    tsconfig: join(ROOT, 'tsconfig.json'),
    external: EXTERNAL,
    outExtension: () => ({ js: '.mjs' }),
  });
  return join(outDir, `${name}.mjs`);
}
