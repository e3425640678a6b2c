import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProvider } from './test-support';

/*
 * `npm run demo` (demo.mjs) with its output piped, as in CI or `| tee`: it says where its state is
 * and that it is removed unless --keep, and its progress lines are lines (no carriage return).
 */
const here = dirname(fileURLToPath(import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'hf-demo-test-'));

/** Runs the demo with stdout a pipe (not a terminal) and its temporary directories under `temp`. */
function demo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(here, 'demo.mjs'), ...args], { env: { ...process.env, TMPDIR: temp } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

/** The state directory the demo announces. */
const stateDir = (stdout: string): string => /^state in (\S+) /m.exec(stdout)?.[1] ?? '(not announced)';

describe('npm run demo, piped', { timeout: 120_000 }, () => {
  beforeAll(() => buildProvider(), 120_000);
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('prints progress as whole lines, says where its state is, and removes it at the end', async () => {
    const { code, stdout, stderr } = await demo('--quiet');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('\r');
    expect(stdout).toMatch(/^ {2}waiting for the machines: poll \d+, status complete \(3 succeed\)$/m);
    expect(stdout).toMatch(/^state in \S+ .*removed at the end \(--keep keeps it\)$/m);
    expect(stateDir(stdout).startsWith(temp)).toBe(true);
    expect(existsSync(stateDir(stdout))).toBe(false);
  });

  it('keeps its state with --keep, and says so', async () => {
    const { code, stdout } = await demo('--quiet', '--keep');
    expect(code).toBe(0);
    expect(stdout).toContain(`kept ${stateDir(stdout)}`);
    expect(existsSync(join(stateDir(stdout), 'work', 'hostfactory.db'))).toBe(true);
  });
});
