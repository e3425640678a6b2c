// docs/testing.md shows each runner's files verbatim: a block fenced with `fixture=<path>` must equal
// that file of test/runners, which test/package/runners.test.ts installs and runs under its runner.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');
const BLOCKS = [...DOC.matchAll(/^```\w+ fixture=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({ path: m[1]!, text: m[2]! }));

describe('the runner pages of docs/testing.md', () => {
  it('show the configuration and a spec of every runner fixture', () => {
    expect(BLOCKS.map((b) => b.path)).toEqual(
      expect.arrayContaining([
        'test/runners/jest-ts-jest/jest.config.cjs',
        'test/runners/jest-ts-jest/tsconfig.json',
        'test/runners/jest-ts-jest/test/first.spec.ts',
        'test/runners/jest-swc/jest.config.cjs',
        'test/runners/jest-swc/.swcrc',
        'test/runners/node-test/package.json',
        'test/runners/node-test/tsconfig.json',
        'test/runners/node-test/test/first.spec.ts',
        'test/runners/mocha/.mocharc.cjs',
        'test/runners/mocha/test/first.spec.ts',
      ]),
    );
  });

  for (const block of BLOCKS) {
    it(`copies ${block.path} exactly`, () => {
      expect(existsSync(join(ROOT, block.path)), block.path).toBe(true);
      expect(block.text).toBe(readFileSync(join(ROOT, block.path), 'utf8'));
    });
  }

  it('names the same spec for both Jest fixtures', () => {
    expect(readFileSync(join(ROOT, 'test/runners/jest-swc/test/first.spec.ts'), 'utf8')).toBe(readFileSync(join(ROOT, 'test/runners/jest-ts-jest/test/first.spec.ts'), 'utf8'));
  });
});
