import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// scripts/mutation-survivors.mjs: each undetected mutant of a StrykerJS report with its recorded decision.
const SCRIPT = new URL('../../scripts/mutation-survivors.mjs', import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Mutant {
  readonly line: number;
  /** A one-line mutant of the `x` at this column of `x || x` (line 1 only), instead of an emptied block. */
  readonly column?: number;
  readonly status?: string;
}

/** A report of `src/x.ts`, whose line n reads `if (n) {`, with an emptied-block mutant on each given line. */
function setUp(mutants: readonly Mutant[], decisions: readonly { line: number; why: string; mutator?: string; original?: string; replacement?: string }[], lines = 40): { report: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'hf-survivors-'));
  dirs.push(root);
  const source = Array.from({ length: lines }, (_, i) => (i === 0 ? 'x || x' : `if (${i + 1}) {`)).join('\n');
  const report = {
    files: {
      'src/x.ts': {
        source,
        mutants: mutants.map((m, i) =>
          m.column === undefined
            ? { id: String(i), mutatorName: 'BlockStatement', replacement: '{}', status: m.status ?? 'Survived', location: { start: { line: m.line, column: 8 }, end: { line: m.line + 1, column: 2 } } }
            : { id: String(i), mutatorName: 'BooleanLiteral', replacement: 'true', status: m.status ?? 'Survived', location: { start: { line: 1, column: m.column }, end: { line: 1, column: m.column + 1 } } },
        ),
      },
    },
  };
  const dir = join(root, 'decisions');
  mkdirSync(dir);
  const entry = (d: { line: number; why: string; mutator?: string; original?: string; replacement?: string }) =>
    JSON.stringify({ file: 'src/x.ts', line: d.line, mutator: d.mutator ?? 'BlockStatement', original: d.original ?? '{ ...', replacement: d.replacement ?? '{}', decision: 'equivalent', why: d.why });
  writeFileSync(join(dir, 'x.jsonl'), `// decisions\n${decisions.map(entry).join('\n')}\n`);
  writeFileSync(join(root, 'report.json'), JSON.stringify(report));
  return { report: join(root, 'report.json'), dir };
}

const run = (report: string, dir: string, ...flags: string[]) => spawnSync(process.execPath, [SCRIPT, report, '--decisions', dir, ...flags], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

describe('mutation-survivors.mjs', () => {
  it('keeps each decision with its mutant when the code above moved them apart unevenly (pairs in line order, not nearest first)', () => {
    // Decided at lines 10 and 20; six lines were added above the first block and four more above the second.
    const { report, dir } = setUp([{ line: 16 }, { line: 30 }], [{ line: 10, why: 'first block' }, { line: 20, why: 'second block' }]);
    const out = run(report, dir);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/\| 16 \| survived \| BlockStatement \|[^\n]*equivalent: first block \|/);
    expect(out.stdout).toMatch(/\| 30 \| survived \| BlockStatement \|[^\n]*equivalent: second block \|/);
  });

  it('leaves unused the decision whose mutant is killed now, and lists a new mutant with no decision as undecided', () => {
    const { report, dir } = setUp([{ line: 5, status: 'Killed' }, { line: 21 }, { line: 35 }], [{ line: 5, why: 'first' }, { line: 20, why: 'second' }]);
    const out = run(report, dir, '--undecided');
    expect(out.stdout.trim().split('\n').map((line) => JSON.parse(line).line)).toEqual([35]);
    const table = run(report, dir).stdout;
    expect(table).toMatch(/\| 21 \|[^\n]*equivalent: second \|/);
    expect(table).not.toMatch(/equivalent: first/);
  });

  it('gives a decision to the surviving one of two like mutants on one line, not to the one a test kills', () => {
    const { report, dir } = setUp([{ line: 1, column: 1 }, { line: 1, column: 6, status: 'Killed' }], [{ line: 1, mutator: 'BooleanLiteral', original: 'x', replacement: 'true', why: 'the first x' }]);
    expect(run(report, dir, '--undecided').stdout).toBe('');
    expect(run(report, dir, '--check').status).toBe(0);
  });

  it('prints every undecided mutant through a pipe, and --check fails while any is left', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ line: i + 1 }));
    const { report, dir } = setUp(many, [], 3001);
    const piped = execFileSync('sh', ['-c', `"${process.execPath}" "${SCRIPT}" "${report}" --decisions "${dir}" --undecided | wc -l`], { encoding: 'utf8' });
    expect(Number(piped.trim())).toBe(3000);
    const check = run(report, dir, '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('3000 surviving mutants have no decision');
  });

  it('--check passes once every undetected mutant has a decision', () => {
    const { report, dir } = setUp([{ line: 3 }], [{ line: 3, why: 'only block' }]);
    expect(run(report, dir, '--check').status).toBe(0);
  });
});
