import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../package/helpers';

const DOC = readFileSync(join(ROOT, 'docs', 'benchmarks.md'), 'utf8');
const RESULTS = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as {
  run: { commit: string; quick: boolean; suites: string[]; loadAverage: { start: number[]; end: number[] } };
  targets: { suite: string; text: string; ok: boolean }[];
};

describe('docs/benchmarks.md', () => {
  it('holds exactly what bench/report.mjs renders from bench/results/latest.json (no figure typed by hand)', () => {
    const check = spawnSync(process.execPath, [join(ROOT, 'bench', 'report.mjs'), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('comes from one full run that names its commit and load average', () => {
    expect(RESULTS.run.quick).toBe(false);
    // Every suite of ALL_SUITES in bench/run.mjs: the doc comes from a complete run.
    expect(RESULTS.run.suites).toEqual(['kernel', 'cold-start', 'validation', 'scale', 'batching', 'memory', 'otel']);
    expect(RESULTS.run.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(DOC).toContain(RESULTS.run.commit.slice(0, 12));
    expect(DOC).toContain(RESULTS.run.loadAverage.start.join(' '));
    for (const t of RESULTS.targets) expect(DOC).toContain(t.text.replace(/\|/g, '\\|'));
    expect(RESULTS.targets.map((t) => t.suite)).toEqual(expect.arrayContaining(['kernel', 'validation', 'cold-start', 'scale', 'memory']));
  });
});
