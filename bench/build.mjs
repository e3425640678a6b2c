// Bundles the SQLite storage example (TypeScript) for the benches into bench/.build/ (gitignored).
// The adapter imports the library by name (`hostfactory-kernel`, `hostfactory-kernel/storage`, ...),
// as a host does; those imports stay imports of the BUILT package (Node resolves the package's own
// name to `dist/` through its `exports`), so the benches run one copy of the library: the one users install.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Leaves the examples' imports of the package's entry points to Node (the built package in `dist`). */
const libraryFromDist = {
  name: 'library-from-dist',
  setup(b) {
    b.onResolve({ filter: /^hostfactory-kernel(\/|$)/ }, (args) => ({ path: args.path, external: true }));
  },
};


export async function buildBenchAdapters() {
  await build({
    // The adapter's public entry, plus its query compiler (the bench prints EXPLAIN QUERY PLAN of it).
    stdin: {
      contents: "export * from './sqlite-storage';\nexport { compileQuery } from './read-model-store';\n",
      resolveDir: `${root}examples/sqlite-storage`,
      loader: 'ts',
      sourcefile: 'bench-entry.ts',
    },
    outfile: `${root}bench/.build/sqlite-storage.mjs`,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    external: ['better-sqlite3'],
    plugins: [libraryFromDist],
  });
}

/**
 * The library's read-model projections and collection names, internal since 0.2.0, for the history
 * seeding (bench/lib/seed.mjs): bundled from src into bench/.build/projections.mjs. They are pure
 * functions of the stored events, so this second copy writes the documents the library's own would.
 */
export async function buildBenchProjections() {
  await build({
    stdin: { contents: "export { COLLECTIONS, DEFAULT_PROJECTIONS } from './projections';\n", resolveDir: `${root}src/application/read-models`, loader: 'ts', sourcefile: 'bench-projections.ts' },
    outfile: `${root}bench/.build/projections.mjs`,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** The PostgreSQL storage example (with its counting pool) for bench/batching.mjs, the same way. */
export async function buildPostgresAdapter() {
  await build({
    entryPoints: [`${root}examples/postgres-storage/index.ts`],
    outfile: `${root}bench/.build/postgres-storage.mjs`,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    external: ['pg'],
    plugins: [libraryFromDist],
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildBenchAdapters();
  await buildBenchProjections();
  await buildPostgresAdapter();
}
