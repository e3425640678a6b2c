import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SymphonyDriver } from '../../symphony-provider/driver';
import type { MotoNetwork } from '../moto-server';
import { apiTemplates } from './support';

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
    '--external', 'better-sqlite3', '--external', '@aws-sdk/client-ec2', '--out-dir', join(dir, '.build'), '--silent',
  ], { cwd: root, stdio: 'ignore' });
  renameSync(join(dir, '.build', 'main.cjs'), join(dir, '.build', 'provider.cjs'));
  return { scripts, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One Symphony template per provider API, launching into the moto network (`aws-<api>`). */
export function symphonyTemplates(network: MotoNetwork): { ids: Record<string, string>; file: object } {
  const entries = Object.entries(apiTemplates(network)).map(([api, overrides]) => ({
    api,
    template: {
      templateId: `aws-${api.toLowerCase().replace(/\s+/g, '-')}`,
      maxNumber: 10,
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '1024'] },
      vmType: 't3.micro',
      imageId: network.imageId,
      subnetId: network.subnetIds,
      securityGroupIds: [network.securityGroupId],
      instanceTags: 'team=hpc',
      ...overrides,
    },
  }));
  return { ids: Object.fromEntries(entries.map((e) => [e.api, e.template.templateId])), file: { templates: entries.map((e) => e.template) } };
}

/** A Symphony driver on the AWS provider: `awsprov_templates.json` and `awsprov_config.json` pointing at moto. */
export function awsDriver(scripts: string, endpoint: string, templatesFile: object, env: Record<string, string> = {}): SymphonyDriver {
  const driver = new SymphonyDriver(scripts, join(root, 'examples', 'symphony-provider', 'sample', 'simprov_templates.json'), {
    HF_PROVIDER_NAME: 'aws',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    SIM_PROVIDER_TIMEOUT_MS: '1500',
    ...env,
  });
  writeFileSync(join(driver.root, 'conf', 'awsprov_templates.json'), JSON.stringify(templatesFile));
  writeFileSync(join(driver.root, 'conf', 'awsprov_config.json'), JSON.stringify({ region: 'us-east-1', endpoint, maxAttempts: 3, pageSize: 5 }));
  return driver;
}
