import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

// `hostfactory-kernel/testing/vitest` is ESM only (vitest refuses `require`): its CommonJS build is
// a module that throws, naming the runner-neutral functions of `hostfactory-kernel/testing`.
const VITEST_REQUIRE_STUB = fileURLToPath(new URL('./src/testing/vitest-require.ts', import.meta.url));

// Built with swc (tsup picks it when @swc/core is installed and emitDecoratorMetadata is on),
// so decorated classes keep their metadata in dist exactly as they do under vitest.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'kernel/index': 'src/kernel/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/vitest': 'src/testing/vitest.ts',
    'hostfactory/index': 'src/hostfactory/index.ts',
    'storage/index': 'src/storage/index.ts',
    'otel/index': 'src/otel/index.ts',
    'processors/index': 'src/application/processors/index.ts',
    'providers/index': 'src/providers/index.ts',
    'cli/hostfactory-kernel': 'src/cli/hostfactory-kernel.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: false,
  target: 'node20',
  platform: 'node',
  external: ['typedi', 'reflect-metadata', 'class-validator', 'class-transformer', 'vitest', '@opentelemetry/api', 'yaml'],
  esbuildOptions(options, { format }) {
    if (format === 'cjs' && options.entryPoints !== undefined && !Array.isArray(options.entryPoints)) {
      options.entryPoints = { ...options.entryPoints, 'testing/vitest': VITEST_REQUIRE_STUB };
    }
  },
  // Decision: keep every function's and class's `name` (tsup's swc plugin turns this on anyway; it is
  // written here so the choice is ours and visible). Errors and logs name classes (HANDLER_NOT_FOUND
  // names the message class, DUPLICATE_HANDLER both handlers, verify() each handler), and a bundle
  // would otherwise rename colliding classes (`Ledger2`). The cost: esbuild names each closure
  // defined inside a function with a call when it is created, so hot paths use module-level
  // functions instead of named local closures (src/kernel/message-bus.ts, event-bus.ts).
  keepNames: true,
});
