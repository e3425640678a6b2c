import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { awsDriver, symphonyTemplates } from '../symphony-on-moto';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/**
 * Builds the example Symphony provider into a directory of this test run (under `.tmp/`, so the
 * AWS SDK resolves from the repository's node_modules) with a copy of its five scripts, so no other
 * test's build can replace it mid-run. Returns the scripts directory; removes the lot on `dispose`.
 */
export function buildSymphonyScripts(): { scripts: string; dispose(): void } {
  const dir = join(root, '.tmp', `aws-symphony-${process.pid}-${Date.now()}`);
  const scripts = join(dir, 'scripts');
  mkdirSync(scripts, { recursive: true });
  const source = join(root, 'examples', 'symphony-provider', 'scripts');
  for (const name of readdirSync(source)) {
    copyFileSync(join(source, name), join(scripts, name));
    chmodSync(join(scripts, name), 0o755);
  }
  execFileSync('npx', [
    'tsup', 'examples/symphony-provider/main.ts', '--no-config', '--format', 'cjs', '--platform', 'node', '--target', 'node20',
    '--external', 'better-sqlite3', '--external', '@aws-sdk/client-ec2', '--external', '@aws-sdk/client-auto-scaling', '--external', '@aws-sdk/client-ssm', '--out-dir', join(dir, '.build'), '--silent',
  ], { cwd: root, stdio: 'ignore' });
  renameSync(join(dir, '.build', 'main.cjs'), join(dir, '.build', 'provider.cjs'));
  return { scripts, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
