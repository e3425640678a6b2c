import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root (where package.json lives). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The files every export condition points to; if one is missing the build is stale or absent. */
const BUILD_OUTPUTS = [
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'dist/kernel/index.js',
  'dist/kernel/index.cjs',
  'dist/kernel/index.d.ts',
  'dist/kernel/index.d.cts',
  'dist/storage/index.js',
  'dist/storage/index.cjs',
  'dist/storage/index.d.ts',
  'dist/storage/index.d.cts',
  'dist/otel/index.js',
  'dist/otel/index.cjs',
  'dist/otel/index.d.ts',
  'dist/otel/index.d.cts',
  'dist/processors/index.js',
  'dist/processors/index.cjs',
  'dist/processors/index.d.ts',
  'dist/processors/index.d.cts',
  'dist/providers/index.js',
  'dist/providers/index.cjs',
  'dist/providers/index.d.ts',
  'dist/providers/index.d.cts',
  'dist/cli/hostfactory-kernel.js',
];

/**
 * Builds `dist` with tsup unless every export target already exists. `npm test` builds first, so
 * this only does work when a test file is run on its own in a fresh checkout.
 */
export async function ensureBuilt(): Promise<void> {
  if (BUILD_OUTPUTS.every((file) => existsSync(new URL(`../../${file}`, import.meta.url)))) return;
  await execFileAsync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tsup'], { cwd: ROOT });
}

/** What a child process printed and how it ended. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` with `args` in `cwd` and resolves to its output. Rejects with an error that quotes
 * stdout and stderr when the process fails, so a failing test shows why.
 */
export async function run(command: string, args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return { stdout, stderr };
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`);
  }
}

/** Runs a Node script and parses the one JSON document it prints on its last stdout line. */
export async function runNodeJson<T = Record<string, unknown>>(script: string, cwd: string): Promise<T> {
  return (await runNodeReport<T>(script, cwd)).report;
}

/**
 * Runs a Node script on the Node running the tests (the line under test) and returns the JSON
 * document of its last stdout line with everything it wrote to stderr (warnings included).
 */
export async function runNodeReport<T = Record<string, unknown>>(script: string, cwd: string): Promise<{ report: T; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, [script], cwd);
  const last = stdout.trim().split('\n').pop() ?? '';
  return { report: JSON.parse(last) as T, stderr };
}
