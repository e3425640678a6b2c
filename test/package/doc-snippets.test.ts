import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, run } from './helpers';

/**
 * Every ```ts block of README.md and docs/*.md compiles (tsc --noEmit, strict) against the BUILT
 * package: each block becomes a module in a scratch folder whose `node_modules/hostfactory-kernel`
 * links to the repository, so `hostfactory-kernel/...` resolves through package.json `exports` to
 * `dist`. A block that is deliberately incomplete is fenced ```ts fragment (see docs/packaging.md).
 */
interface Snippet {
  readonly doc: string;
  readonly line: number;
  readonly file: string;
  readonly code: string;
}

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const FENCE = /^```(ts|typescript)(?:[ \t]+([^\n]*))?\n([\s\S]*?)^```$/gm;

function snippetsOf(doc: string): Snippet[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const found: Snippet[] = [];
  for (const match of text.matchAll(FENCE)) {
    if ((match[2] ?? '').trim().split(/\s+/).includes('fragment')) continue;
    // A copy of a runner fixture's file: compiled and run by its runner (test/docs/testing-runners-doc.test.ts).
    if (/(^|\s)fixture=/.test(match[2] ?? '')) continue;
    const line = text.slice(0, match.index).split('\n').length + 1;
    const file = `${doc.replace(/[/.]/g, '_')}_L${line}.ts`;
    found.push({ doc, line, file, code: match[3] ?? '' });
  }
  return found;
}

const SNIPPETS = DOCS.flatMap(snippetsOf);
const SCRATCH = join(ROOT, '.tmp', `doc-snippets-${process.pid}`);
let diagnostics = '';

beforeAll(async () => {
  await ensureBuilt();
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(join(SCRATCH, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(SCRATCH, 'node_modules', 'hostfactory-kernel'), 'dir');
  // `export {}` keeps each block a module of its own, so two blocks may declare the same names.
  for (const s of SNIPPETS) writeFileSync(join(SCRATCH, s.file), `${s.code}\nexport {};\n`);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022'],
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
      skipLibCheck: true,
      noEmit: true,
    },
    files: SNIPPETS.map((s) => s.file),
  };
  writeFileSync(join(SCRATCH, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  diagnostics = await run(process.execPath, [tsc, '-p', SCRATCH, '--pretty', 'false'], SCRATCH, 120_000).then(
    (r) => r.stdout,
    (error: Error) => error.message,
  );
}, 180_000);

// KEEP_SNIPPETS=1 leaves the scratch folder for `tsc -p` by hand.
afterAll(() => {
  if (process.env.KEEP_SNIPPETS === undefined) rmSync(SCRATCH, { recursive: true, force: true });
});

describe('TypeScript snippets of README.md and docs/ compile against the built package', () => {
  it('finds the snippets', () => {
    expect(SNIPPETS.length).toBeGreaterThanOrEqual(10);
  });

  for (const snippet of SNIPPETS) {
    it(`${snippet.doc}:${snippet.line}`, () => {
      const errors = diagnostics.split('\n').filter((line) => line.startsWith(snippet.file));
      // tsc reports `file(line,col)`; shift it to the line in the Markdown document.
      const located = errors.map((e) => e.replace(/^[^(]+\((\d+),(\d+)\)/, (_, l: string, c: string) => `${snippet.doc}:${snippet.line + Number(l) - 1}:${c}`));
      expect(located, `the snippet at ${snippet.doc}:${snippet.line} no longer compiles`).toEqual([]);
    });
  }
});
