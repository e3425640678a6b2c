// The test kit in every runner a host uses: each fixture project of test/runners (Jest + ts-jest with
// fake timers, Jest + @swc/jest, node --test + tsx with mock timers, Mocha + tsx, vitest 3 with fake
// timers) installs its pinned runner from its own lockfile and the packed tarball, runs the shared suite
// green, and reports the failing-event-handler spec as a failed test naming the handler.
//
// Installing four runners takes minutes on a cold npm cache, so this runs under CI=true (and fails
// there if a runner cannot be installed) or with HOSTFACTORY_RUNNER_FIXTURES=1; elsewhere it skips,
// saying how to run it. See docs/testing.md, "Which runners are tested".
import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, run, type RunResult } from './helpers';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const ENABLED = process.env.CI === 'true' || process.env.HOSTFACTORY_RUNNER_FIXTURES === '1';
if (!ENABLED) console.warn('Skipping the runner fixtures (test/runners): set CI=true or HOSTFACTORY_RUNNER_FIXTURES=1 to install Jest, swc, tsx and Mocha and run them.');

interface Fixture {
  readonly name: string;
  /** The command that runs the green suite, and the one that runs the spec that must fail. */
  readonly green: readonly string[];
  readonly red: readonly string[];
  /** Extra environment for the red run. */
  readonly redEnv?: Record<string, string>;
}

const FIXTURES: readonly Fixture[] = [
  { name: 'jest-ts-jest', green: [NPX, 'jest'], red: [NPX, 'jest', '--testMatch', '<rootDir>/failing/**/*.spec.ts'] },
  { name: 'jest-swc', green: [NPX, 'jest'], red: [NPX, 'jest', '--testMatch', '<rootDir>/failing/**/*.spec.ts'] },
  {
    name: 'node-test',
    green: [NPM, 'test'],
    red: [process.execPath, '--import', 'tsx', '--import', 'reflect-metadata', '--test', 'failing/handler.spec.ts'],
  },
  // Mocha adds a file named on the command line to the config's spec list: run it without the config.
  {
    name: 'mocha',
    green: [NPM, 'test'],
    red: [NPX, 'mocha', '--no-config', '--node-option', 'import=tsx', '--node-option', 'import=reflect-metadata', '--extension', 'ts', 'failing/handler.spec.ts'],
  },
  // The vitest bindings on an older major; installing it next to the tarball also proves the peer range admits it.
  { name: 'vitest-3', green: [NPM, 'test'], red: [NPX, 'vitest', 'run'], redEnv: { HOSTFACTORY_SPECS: 'failing/**/*.spec.ts' } },
];

/** A scratch folder outside the repository, made only when the fixtures run. */
let SCRATCH = '';
let tarball = '';

/** A child's environment without this vitest run's variables, as a developer's shell would have it. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV' && key !== 'TEST'));
}

async function inFixture(fixture: Fixture, command: readonly string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<RunResult & { code: number }> {
  const [file, ...args] = command as [string, ...string[]];
  const saved = process.env;
  process.env = { ...cleanEnv(), ...env };
  try {
    return { ...(await run(file, args, join(SCRATCH, fixture.name), timeoutMs)), code: 0 };
  } catch (error) {
    return { stdout: '', stderr: (error as Error).message, code: 1 };
  } finally {
    process.env = saved;
  }
}

async function install(fixture: Fixture): Promise<void> {
  const dir = join(SCRATCH, fixture.name);
  cpSync(join(ROOT, 'test', 'runners', fixture.name), dir, { recursive: true });
  cpSync(join(ROOT, 'test', 'runners', 'shared'), join(dir, 'shared'), { recursive: true });
  await run(NPM, ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir, 600_000);
  await run(NPM, ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir, 300_000);
}

describe.skipIf(!ENABLED)('the test kit under each runner fixture', () => {
  beforeAll(async () => {
    SCRATCH = mkdtempSync(join(tmpdir(), 'hostfactory-kernel-runners-'));
    await ensureBuilt();
    mkdirSync(join(SCRATCH, 'pack'), { recursive: true });
    await run(NPM, ['pack', '--silent', '--pack-destination', join(SCRATCH, 'pack')], ROOT, 180_000);
    const packed = readdirSync(join(SCRATCH, 'pack')).find((f) => f.endsWith('.tgz'));
    if (packed === undefined) throw new Error('npm pack wrote no tarball');
    tarball = join(SCRATCH, 'pack', packed);
  }, 240_000);

  // Four node_modules trees: removing them can take a minute on a busy disk.
  afterAll(() => (SCRATCH === '' ? undefined : rm(SCRATCH, { recursive: true, force: true })), 300_000);

  for (const fixture of FIXTURES) {
    describe(fixture.name, () => {
      beforeAll(() => install(fixture), 900_000);

      it('runs the shared suite green', async () => {
        const result = await inFixture(fixture, fixture.green);
        expect(result.code, result.stderr).toBe(0);
      }, 300_000);

      it('fails the spec whose event handler fails, naming the handler and its error', async () => {
        const result = await inFixture(fixture, fixture.red, fixture.redEnv);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('settle(): an event handler failed');
        expect(result.stderr).toContain('BrokenAuditSink on TemplateCreated: the audit sink is down');
        // Only the failing spec ran: the green suite's tests are not in the report.
        expect(result.stderr).not.toContain('storage contract');
      }, 300_000);
    });
  }
});
