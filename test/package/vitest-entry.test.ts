// `hostfactory-kernel/testing/vitest` is ESM only and runs only inside vitest; anywhere else it
// throws a message naming the runner-neutral functions of `hostfactory-kernel/testing`.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers';

const NEUTRAL = /runs only inside vitest, as an ES module\. With Jest, Mocha, node:test or any other runner, use the runner-neutral functions of 'hostfactory-kernel\/testing': runStorageContract\(options, \{ describe, it \}\)/;

/** What a plain Node process (no vitest worker) prints when it loads `code`. */
async function stderrOf(args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
  return promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...env, NODE_OPTIONS: '' } }).then(
    ({ stdout }) => `exited 0: ${stdout}`,
    (error: { stderr: string }) => error.stderr,
  );
}

beforeAll(ensureBuilt, 180_000);

describe('hostfactory-kernel/testing/vitest outside vitest', () => {
  it('throws on import, naming the neutral entry, before vitest itself is loaded', async () => {
    const url = pathToFileURL(join(ROOT, 'dist', 'testing', 'vitest.js')).href;
    expect(await stderrOf(['--input-type=module', '-e', `await import(${JSON.stringify(url)});`])).toMatch(NEUTRAL);
  });

  it('throws on require with the same message (its CommonJS build is only that)', async () => {
    expect(await stderrOf(['-e', `require(${JSON.stringify(join(ROOT, 'dist', 'testing', 'vitest.cjs'))});`])).toMatch(NEUTRAL);
    expect(readFileSync(join(ROOT, 'dist', 'testing', 'vitest.cjs'), 'utf8')).not.toMatch(/require\(['"]vitest['"]\)/);
  });

  it('keeps vitest an optional peer of every major it was tried with', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
    expect(manifest.peerDependencies.vitest).toBe('^1.0.0 || ^2.0.0 || ^3.0.0 || ^4.0.0');
    expect(manifest.peerDependenciesMeta.vitest).toEqual({ optional: true });
  });
});
