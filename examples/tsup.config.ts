import { createHash } from 'node:crypto';
import { defineConfig } from 'tsup';

/**
 * esbuild's `charset: 'ascii'` escapes strings, template literals, regular expressions and names, but
 * copies the comments it keeps as they are: one `→` in a doc comment made the whole 0.8 MB bundle a
 * UTF-8 file, decoded on every call into a two-byte string twice the size, which V8 then compiles
 * and scans (about 4 ms of CPU per call, issue 27). Whatever is still not ASCII after esbuild is in a
 * comment, where a `\uXXXX` escape is as good as the character.
 */
const asciiComments = {
  name: 'ascii-comments',
  renderChunk(code: string) {
    return { code: code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) };
  },
};

/**
 * Ends each file with the SHA-1 of its text: the code cache (symphony-provider/code-cache.ts) tells
 * one build from another by that line, without hashing 0.8 MB (and loading node:crypto) on every call.
 */
const buildMark = {
  name: 'build-mark',
  renderChunk(code: string) {
    const text = code.endsWith('\n') ? code : `${code}\n`;
    return { code: `${text}//# hostfactory-build ${createHash('sha1').update(text).digest('hex')}\n` };
  },
};

// Bundles the example Symphony provider (`npm run build:examples`): `provider-main.cjs` is the whole
// provider in one CommonJS file (one file to load keeps each Symphony call's start-up short), and
// `provider.cjs`, what the scripts run, is the small start-up file that runs it through V8's code
// cache (start.ts, code-cache.ts). better-sqlite3's JavaScript is bundled too (a dozen files fewer
// to find and load); its compiled addon is loaded from node_modules, by path (provider.ts checks it
// is the same release). The AWS SDK stays external (loaded from node_modules only when
// HF_PROVIDER_NAME=aws, so other calls stay fast). ASCII output: the bundle reads as one-byte text.
export default defineConfig({
  plugins: [asciiComments, buildMark],
  // esbuild rather than swc (which tsup uses when the tsconfig emits decorator metadata): the
  // library injects explicit tokens and class-transformer is given explicit types, so no
  // `design:*` metadata is read, and writing it (162 Reflect.metadata calls) was part of every
  // call's start-up. Names are kept: error names and message class names come from them.
  tsconfig: 'examples/tsconfig.bundle.json',
  keepNames: true,
  entry: { 'provider-main': 'examples/symphony-provider/main.ts', provider: 'examples/symphony-provider/start.ts' },
  outDir: 'examples/symphony-provider/.build',
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/^(?!@aws-sdk\/|@smithy\/).*/],
  external: [/^@aws-sdk\//, /^@smithy\//],
  splitting: false,
  sourcemap: false,
  clean: true,
  dts: false,
  minify: false,
  esbuildOptions(options) {
    options.charset = 'ascii';
    // The kernel reads class-transformer's metadata storage by its CommonJS path (as Node resolves the
    // package); bundled, `class-transformer` itself is the ESM build, whose decorators write to
    // another storage. One storage: the kernel's own instance plans then apply in the bundle too, and
    // the second copy of class-transformer's metadata code is not loaded on every call.
    options.alias = { 'class-transformer/cjs/storage.js': 'class-transformer/esm5/storage.js' };
  },
});
