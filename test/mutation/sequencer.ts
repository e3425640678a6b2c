import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { BaseSequencer, type Reporter, type TestModule, type TestSpecification, type Vitest } from 'vitest/node';

// The order of a mutant's test files (vitest.mutation.config.ts). Stryker runs, for each mutant, the files
// that hold its covering tests and stops at the first failure, so a killed mutant costs what runs before
// the test that kills it. vitest's own order is the opposite of that: its projects alphabetically (the
// `isolated` one, whose files load the library afresh, first) and the slowest files first. Measured on
// `src/domain/shared/ids.ts` (119 mutants): five killed mutants spent 26 s each in passing storage-contract
// and reconcile suites before reaching `test/domain`, half of the file's whole time.
//
// Here, first the files that killed the last mutants of the same source file (Stryker tests a file's
// mutants one after the other, and neighbouring mutants mostly fall to the same test: on
// `src/application/host-factory.ts` only the OpenTelemetry files, isolated and so last, killed its
// `instrumentation` mutants, each after about 18 s of passing files); then the shared project, then the
// isolated one; within each, the files named after the mutated file (`ids.ts` → `ids.test.ts`,
// `parse-ids.test.ts`) first, then the others from the fastest to the slowest. The durations come from
// the dry run (the one run where every file runs whole). `RunHistory` below records both, in a file in
// the sandbox that every Stryker worker reads and writes.
//
// The two projects run one after the other, never interleaved: vitest groups a run's files by project
// (`sequence.groupOrder`) before it runs them, so the order above applies within each project, and the
// shared project runs first unless the file that last killed a mutant of the same source file is an
// isolated one. Then the isolated project runs first. Measured on `src/kernel` (2,688 mutants): 399 were
// killed by an isolated file (most by `self-registration.test.ts`, which loads the library afresh, so
// code the shared module graph ran once and cached runs under the mutant), each after every covering
// shared file had passed: 1,330 of the run's 3,342 worker-seconds, a median of 0.6 s a run.

const HISTORY_FILE = '.mutation-run-history.json';
/** How many of a source file's latest killers are kept, the latest first. */
const KILLERS_KEPT = 4;

interface History {
  /** Each test file's longest whole run, in milliseconds, by `project:path`. */
  durations: Record<string, number>;
  /** The test files (`project:path`) that last failed under a mutant of each source file, latest first. */
  killers: Record<string, string[]>;
}

function historyPath(root: string): string {
  return join(root, HISTORY_FILE);
}

function keyOf(root: string, project: string, moduleId: string): string {
  return `${project}:${relative(root, moduleId)}`;
}

/**
 * Records, after each run, each test file's longest whole duration (import, collection and tests: the
 * dry run's, where every file runs whole; a mutant's run stops at its first failure and only shortens
 * it) and the files that failed under the mutated source file, and publishes both for the workers.
 */
export class RunHistory implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (this.vitest === undefined) return;
    const root = this.vitest.config.root;
    const path = historyPath(root);
    const history = readHistory(path);
    let changed = false;
    const failed: string[] = [];
    const dryRun = mode(this.vitest) !== 'mutant';
    for (const module of modules) {
      const key = keyOf(root, module.project.name, module.moduleId);
      const { duration } = module.diagnostic();
      // The dry run's duration only: a mutant's run stops at its first failure, or hangs a test until
      // `testTimeout` (10 s), and neither is what the file costs.
      if (dryRun && duration > (history.durations[key] ?? -1)) {
        history.durations[key] = duration;
        changed = true;
      }
      if (module.state() === 'failed') failed.push(key);
    }
    const source = mutatedFile(this.vitest);
    if (source !== undefined && failed.length > 0) {
      const previous = history.killers[source] ?? [];
      history.killers[source] = [...failed, ...previous.filter((key) => !failed.includes(key))].slice(0, KILLERS_KEPT);
      changed = true;
    }
    if (!changed) return;
    const temporary = `${path}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify(history));
    renameSync(temporary, path);
  }
}

function readHistory(path: string): History {
  try {
    const read = JSON.parse(readFileSync(path, 'utf8')) as Partial<History>;
    return { durations: read.durations ?? {}, killers: read.killers ?? {} };
  } catch {
    return { durations: {}, killers: {} };
  }
}

/** Stryker's run mode as its vitest runner provides it (`dry-run` or `mutant`); none outside Stryker. */
function mode(vitest: Vitest): unknown {
  return (vitest.getProvidedContext() as Record<string, unknown>).mode;
}

/** Shared project first (the default), or the isolated one first: vitest runs a lower `groupOrder` first. */
function orderProjects(vitest: Vitest, isolatedFirst: boolean): void {
  for (const project of vitest.projects) {
    const isolated = project.config.isolate !== false;
    // Never 0 for the isolated project: vitest runs isolated single-worker files of order 0 after every group.
    project.config.sequence.groupOrder = !isolated ? 2 : isolatedFirst ? 1 : 3;
  }
}

/** The mutated file, from the `related` filter Stryker sets for each mutant run; none when `related` lists several files, as in the dry run. */
function mutatedFile(vitest: Vitest): string | undefined {
  const related = vitest.config.related;
  const files = Array.isArray(related) ? related : related === undefined ? [] : [related];
  return files.length === 1 && typeof files[0] === 'string' && files[0] !== '' ? files[0] : undefined;
}

/** The name of `source` (the mutated file) without its folder and extension. */
function mutatedStem(source: string | undefined): string | undefined {
  return source === undefined ? undefined : basename(source).replace(/\.[cm]?[jt]sx?$/, '');
}

/** Test file names that carry the mutated file's stem as a whole word: `ids` matches `parse-ids.test.ts`, not `guides.test.ts`. */
function namedAfter(moduleId: string, stem: string): boolean {
  const name = basename(moduleId).replace(/\.test(-d)?\.[cm]?[jt]sx?$/, '');
  return name === stem || name.split(/[.-]/).includes(stem) || name.startsWith(`${stem}-`) || name.endsWith(`-${stem}`);
}

/** Orders a mutant's test files so that the one most likely to kill it quickly runs first (see above). */
export class MutationSequencer extends BaseSequencer {
  private history: History = { durations: {}, killers: {} };
  private loadedAt = -1;

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    this.refresh(root);
    const source = mutatedFile(this.ctx);
    const stem = mutatedStem(source);
    const killers = source === undefined ? [] : (this.history.killers[source] ?? []);
    const isolatedKiller = killers.some((key) => this.ctx.projects.some((project) => project.config.isolate !== false && key.startsWith(`${project.name}:`)));
    orderProjects(this.ctx, isolatedKiller);
    const rank = (spec: TestSpecification): [number, number, number, number, string] => {
      const key = keyOf(root, spec.project.name, spec.moduleId);
      const killed = killers.indexOf(key);
      const isolated = spec.project.config.isolate === false ? 0 : 1;
      const named = stem !== undefined && namedAfter(spec.moduleId, stem) ? 0 : 1;
      // A file with no recorded duration (a run without a dry run first) keeps its place by path.
      const duration = this.history.durations[key] ?? Number.MAX_SAFE_INTEGER;
      return [killed === -1 ? KILLERS_KEPT : killed, isolated, named, duration, relative(root, spec.moduleId)];
    };
    const ranked = files.map((spec) => ({ spec, rank: rank(spec) }));
    ranked.sort((a, b) => {
      for (let i = 0; i < 4; i++) {
        const d = (a.rank[i] as number) - (b.rank[i] as number);
        if (d !== 0) return d;
      }
      return a.rank[4] < b.rank[4] ? -1 : a.rank[4] > b.rank[4] ? 1 : 0;
    });
    return ranked.map((entry) => entry.spec);
  }

  /** Rereads the history file when a run (of this worker or another) rewrote it. */
  private refresh(root: string): void {
    const path = historyPath(root);
    if (!existsSync(path)) return;
    const modified = statSync(path).mtimeMs;
    if (modified === this.loadedAt) return;
    this.loadedAt = modified;
    this.history = readHistory(path);
  }
}
