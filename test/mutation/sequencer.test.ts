import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestModule, TestSpecification, Vitest } from 'vitest/node';
import { MutationSequencer, RunHistory } from './sequencer';

// test/mutation/sequencer.ts: the order of a mutant's test files in a Stryker run (vitest.mutation.config.ts).
// vitest runs the projects by `sequence.groupOrder`, lowest first, and each project's files in the order
// `sort` returns; these tests read both off a stand-in for vitest's context.
const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

interface Project {
  name: string;
  config: { isolate: boolean; sequence: { groupOrder: number } };
}

function setUp(options: { related?: string; mode?: string; history?: object } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'hf-sequencer-'));
  roots.push(root);
  if (options.history !== undefined) writeFileSync(join(root, '.mutation-run-history.json'), JSON.stringify(options.history));
  const shared: Project = { name: 'shared', config: { isolate: false, sequence: { groupOrder: 0 } } };
  const isolated: Project = { name: 'isolated', config: { isolate: true, sequence: { groupOrder: 0 } } };
  const ctx = {
    config: { root, related: options.related === undefined ? undefined : [options.related] },
    projects: [shared, isolated],
    getProvidedContext: () => ({ mode: options.mode }),
  };
  const spec = (project: Project, path: string) => ({ project, moduleId: join(root, path) }) as unknown as TestSpecification;
  const sequencer = new MutationSequencer(ctx as unknown as Vitest);
  const names = (specs: TestSpecification[]) => specs.map((s) => `${s.project.name}:${s.moduleId.slice(root.length + 1)}`);
  return { root, ctx, shared, isolated, spec, sequencer, names };
}

describe('MutationSequencer', () => {
  it('runs the shared project before the isolated one, and within each the files named after the mutated file, then the fastest', async () => {
    const t = setUp({
      related: 'src/kernel/ids.ts',
      history: { durations: { 'shared:test/a.test.ts': 900, 'shared:test/b.test.ts': 100, 'shared:test/ids.test.ts': 5000 }, killers: {} },
    });
    const sorted = await t.sequencer.sort([t.spec(t.isolated, 'test/z.test.ts'), t.spec(t.shared, 'test/a.test.ts'), t.spec(t.shared, 'test/b.test.ts'), t.spec(t.shared, 'test/ids.test.ts')]);
    expect(t.names(sorted)).toEqual(['shared:test/ids.test.ts', 'shared:test/b.test.ts', 'shared:test/a.test.ts', 'isolated:test/z.test.ts']);
    expect(t.shared.config.sequence.groupOrder).toBeLessThan(t.isolated.config.sequence.groupOrder);
    // 0 would put the isolated files after every group whatever the order (vitest's single-worker isolated group).
    expect(t.isolated.config.sequence.groupOrder).not.toBe(0);
  });

  it('runs the isolated project first, its killer first, when an isolated file killed one of the source file’s last mutants', async () => {
    const t = setUp({
      related: 'src/kernel/kernel.ts',
      history: { durations: {}, killers: { 'src/kernel/kernel.ts': ['shared:test/a.test.ts', 'isolated:test/self.test.ts'] } },
    });
    const sorted = await t.sequencer.sort([t.spec(t.isolated, 'test/other.test.ts'), t.spec(t.isolated, 'test/self.test.ts'), t.spec(t.shared, 'test/a.test.ts')]);
    expect(t.isolated.config.sequence.groupOrder).toBeGreaterThan(0);
    expect(t.isolated.config.sequence.groupOrder).toBeLessThan(t.shared.config.sequence.groupOrder);
    expect(t.names(sorted).filter((n) => n.startsWith('isolated:'))[0]).toBe('isolated:test/self.test.ts');

    // The next source file's killers are all shared: the shared project goes first again.
    t.ctx.config.related = ['src/kernel/errors.ts'];
    writeFileSync(join(t.root, '.mutation-run-history.json'), JSON.stringify({ durations: {}, killers: { 'src/kernel/errors.ts': ['shared:test/errors.test.ts'] } }));
    await t.sequencer.sort([t.spec(t.isolated, 'test/self.test.ts'), t.spec(t.shared, 'test/errors.test.ts')]);
    expect(t.shared.config.sequence.groupOrder).toBeLessThan(t.isolated.config.sequence.groupOrder);
  });
});

describe('RunHistory', () => {
  const module = (project: string, root: string, path: string, duration: number, state: string) =>
    ({ project: { name: project }, moduleId: join(root, path), diagnostic: () => ({ duration }), state: () => state }) as unknown as TestModule;

  it('keeps the dry run’s file durations, not a mutant run’s (cut at its first failure, or hung until the test timeout)', () => {
    const dry = setUp({ mode: 'dry-run' });
    const history = new RunHistory();
    history.onInit(dry.ctx as unknown as Vitest);
    history.onTestRunEnd([module('shared', dry.root, 'test/a.test.ts', 300, 'passed')]);
    const read = () => JSON.parse(readFileSync(join(dry.root, '.mutation-run-history.json'), 'utf8'));
    expect(read().durations).toEqual({ 'shared:test/a.test.ts': 300 });

    // A mutant that hangs a test of the same file for 10 s: the file still costs what the dry run measured.
    (dry.ctx as { getProvidedContext: () => object }).getProvidedContext = () => ({ mode: 'mutant' });
    dry.ctx.config.related = ['src/x.ts'];
    history.onTestRunEnd([module('shared', dry.root, 'test/a.test.ts', 10_000, 'failed')]);
    expect(read()).toEqual({ durations: { 'shared:test/a.test.ts': 300 }, killers: { 'src/x.ts': ['shared:test/a.test.ts'] } });
  });
});
