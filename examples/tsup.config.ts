import { defineConfig } from 'tsup';

// Bundles the example Symphony provider into one CommonJS file (`npm run build:examples`): one file
// to load keeps each Symphony call's start-up short. better-sqlite3 is native and stays external; so
// does the AWS SDK (loaded from node_modules only when HF_PROVIDER_NAME=aws, so other calls stay fast).
export default defineConfig({
  entry: { provider: 'examples/symphony-provider/main.ts' },
  outDir: 'examples/symphony-provider/.build',
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/^(?!better-sqlite3$|@aws-sdk\/|@smithy\/).*/],
  external: ['better-sqlite3', /^@aws-sdk\//, /^@smithy\//],
  splitting: false,
  sourcemap: false,
  clean: true,
  dts: false,
  minify: false,
});
