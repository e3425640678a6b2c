import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver, type DriverLayout } from './driver';
import { buildProvider, expectValid, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/** A templates file with a value at every level; the example's simulated cloud is provider type `sim`. */
const LAYERED = {
  defaults: {
    global: { maxNumber: 3, vmType: 'm5.large', attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1024'] }, instanceTags: 'team=grid;level=global', simBootSeconds: 1 },
    providerTypes: {
      base: { keyName: 'base-key', instanceTags: { level: 'base' } },
      sim: { extends: 'base', imageId: 'ami-0aaaaaaaaaaaaaaaa', attributes: { ncpus: ['Numeric', '2'] } },
    },
    providers: { sim: { subnetIds: ['subnet-0bbbbbbbbbbbbbbbb'], attributes: { nram: ['Numeric', '4096'] } } },
  },
  templates: [
    { templateId: 'Own', maxNumber: 7, attributes: { ncpus: ['Numeric', '16'] }, keyName: 'own-key' },
    { templateId: 'Defaulted' },
  ],
};

describe('template defaults and lookup through the scripts', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));
  const site = (document: object, options: { name?: string; layout?: DriverLayout } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-defaults-'));
    const file = join(dir, 'templates.json');
    writeFileSync(file, JSON.stringify(document));
    const driver = new SymphonyDriver(scripts, file, {}, options);
    rmSync(dir, { recursive: true, force: true });
    drivers.push(driver);
    return driver;
  };

  it('getAvailableTemplates shows each effective template, and validateTemplates says where each value came from', async () => {
    const d = site(LAYERED);
    const available = await d.run('getAvailableTemplates', {});
    expectValid('getAvailableTemplates', available);
    const byId = Object.fromEntries((available.document.templates as { templateId: string }[]).map((t) => [t.templateId, t]));
    expect(byId.Own).toMatchObject({ maxNumber: 7, attributes: { ncpus: ['Numeric', '16'], nram: ['Numeric', '4096'], type: ['String', 'X86_64'] } });
    expect(byId.Defaulted).toMatchObject({ maxNumber: 3, attributes: { ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] } });

    const checked = await d.exec('validateTemplates', []);
    expect(checked.exitCode, checked.stdout).toBe(0);
    expect(checked.document).toMatchObject({ valid: true, provider: { name: 'sim', type: 'sim' }, file: '$HF_PROVIDER_CONFDIR/${HF_PROVIDER_NAME}prov_templates.json' });
    const [own, defaulted] = checked.document.templates as { template: Record<string, unknown>; sources: Record<string, string> }[];
    expect(own!.sources).toMatchObject({ maxNumber: 'template', keyName: 'template', 'attributes.ncpus': 'template', 'attributes.nram': 'provider:sim', imageId: 'providerType:sim', 'instanceTags.level': 'providerType:base', 'attributes.type': 'global' });
    expect(defaulted!.sources).toMatchObject({ maxNumber: 'global', keyName: 'providerType:base', subnetIds: 'provider:sim', 'attributes.ncpus': 'providerType:sim' });
    expect(defaulted!.template).toMatchObject({ keyName: 'base-key', imageId: 'ami-0aaaaaaaaaaaaaaaa', instanceTags: { team: 'grid', level: 'base' } });

    // A request is admitted against the effective template: its maxNumber came from the global level.
    const asked = await d.run('requestMachines', { template: { templateId: 'Defaulted', machineCount: 4 } });
    expect(asked.exitCode).toBe(1);
    expect(String(asked.document.message)).toContain('template "Defaulted" has 3 unit(s) of capacity left');
  }, 90_000);

  it('refuses a circle of provider types, naming the key and the template, in both commands', async () => {
    const circular = { ...LAYERED, defaults: { ...LAYERED.defaults, providerTypes: { sim: { extends: 'base' }, base: { extends: 'sim' } } } };
    const d = site(circular);
    const available = await d.run('getAvailableTemplates', {});
    expect(available.exitCode).toBe(1);
    expect(String(available.document.message)).toContain('defaults.providerTypes.base.extends');
    const checked = await d.exec('validateTemplates', []);
    expect(checked.exitCode).toBe(1);
    expect(checked.document).toMatchObject({ valid: false, issues: [expect.objectContaining({ path: 'defaults.providerTypes.base.extends', constraint: 'defaultsCircular' })] });
    expect((checked.document.issues as { message: string }[])[0]!.message).toContain('template "Own"');
  }, 90_000);

  it('finds <type>prov_templates.json, then templates.json, for an instance whose own file is absent (LSF layout too)', async () => {
    for (const layout of ['explicit', 'lsf'] as const) {
      const d = site(LAYERED, { name: 'east', layout });
      // The driver installs eastprov_templates.json; move it to the type's name, then to the shared name.
      const typeFile = join(dirname(d.templatesPath), 'simprov_templates.json');
      renameSync(d.templatesPath, typeFile);
      const byType = await d.exec('validateTemplates', []);
      expect(byType.document.file, byType.stdout).toBe(layout === 'lsf' ? '$PRO_CONF_DIR/conf/simprov_templates.json' : '$HF_PROVIDER_CONFDIR/simprov_templates.json');
      // No provider level for "east": its templates take the type and global levels only.
      expect((byType.document.templates as { sources: Record<string, string> }[])[1]!.sources).toMatchObject({ imageId: 'providerType:sim', maxNumber: 'global' });
      renameSync(typeFile, join(dirname(d.templatesPath), 'templates.json'));
      const available = await d.run('getAvailableTemplates', {});
      expect(available.exitCode, available.stdout).toBe(0);
      rmSync(join(dirname(d.templatesPath), 'templates.json'));
      const none = await d.exec('validateTemplates', []);
      expect(none.exitCode).toBe(1);
      expect(String(none.document.message)).toMatch(/looked for \$\{(HF_)?PROVIDER_NAME\}prov_templates\.json, then simprov_templates\.json, then templates\.json/);
    }
  }, 120_000);
});
