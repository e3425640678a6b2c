import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { GetTemplate, ImportTemplates } from '../../src/index';
import { applyTemplateDefaults, parseTemplatesFile } from '../../src/hostfactory';
import { createTestHostFactory } from '../../src/testing';
import { isKernelError, type ValidationError } from '../../src/kernel';

const base = { templateId: 'compute', attributes: { type: ['String', 'X86_64'] }, vmType: 'm5.large' };

/** A templates file with a value at every level: global, provider type (extended), provider instance, template. */
const layered = {
  defaults: {
    global: { maxNumber: 5, keyName: 'global-key', imageId: 'ami-global', attributes: { ncpus: 1, nram: 1024 }, instanceTags: 'team=hpc;tier=global' },
    providerTypes: {
      cloud: { keyName: 'type-key', instanceTags: { tier: 'type' } },
      aws: { extends: 'cloud', imageId: 'ami-type', attributes: { ncpus: 2 } },
    },
    providers: { east: { providerType: 'aws', subnetIds: ['subnet-east'], attributes: { nram: 4096 } } },
  },
  templates: [
    { ...base, maxNumber: 9, attributes: { ...base.attributes, ncpus: 8 } },
    { ...base, templateId: 'small', subnetId: 'subnet-own' },
  ],
};

/** The issues of the VALIDATION_FAILED that `work` throws. */
function issuesOf(work: () => unknown): { path: string; constraint: string; message: string }[] {
  try {
    work();
  } catch (error) {
    if (isKernelError(error, 'VALIDATION_FAILED')) return [...(error as ValidationError).issues];
    throw error;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('template defaults', () => {
  it('applies template, provider, provider type (with extends) and global, in that order, and says where each value came from', () => {
    const { templates, sources } = applyTemplateDefaults(layered, { name: 'east' });
    expect(templates[0]).toMatchObject({ maxNumber: 9, keyName: 'type-key', imageId: 'ami-type', subnetIds: ['subnet-east'] });
    expect(templates[0]!.attributes).toEqual({ type: ['String', 'X86_64'], ncpus: 8, nram: 4096 });
    expect(templates[0]!.instanceTags).toEqual({ team: 'hpc', tier: 'type' });
    expect(sources[0]).toMatchObject({
      maxNumber: 'template',
      'attributes.ncpus': 'template',
      'attributes.nram': 'provider:east',
      subnetIds: 'provider:east',
      imageId: 'providerType:aws',
      keyName: 'providerType:cloud',
      'instanceTags.tier': 'providerType:cloud',
      'instanceTags.team': 'global',
    });
    // subnetId and subnetIds are one setting: the template's own wins over the provider's.
    expect(templates[1]).toMatchObject({ maxNumber: 5, subnetId: 'subnet-own' });
    expect(templates[1]).not.toHaveProperty('subnetIds');
  });

  it('uses the provider type the host gives when no provider level names one, and only global for an unnamed provider', () => {
    expect(applyTemplateDefaults(layered, { name: 'west', type: 'aws' }).templates[1]).toMatchObject({ imageId: 'ami-type', keyName: 'type-key' });
    expect(applyTemplateDefaults(layered, {}).templates[1]).toMatchObject({ imageId: 'ami-global', keyName: 'global-key' });
  });

  it('takes the provider level a template names with providerName, for a host with several providers', () => {
    const routed = { ...layered, templates: [{ ...base, providerName: 'east' }, { ...base, templateId: 'elsewhere', providerName: 'west' }] };
    const { templates, sources } = applyTemplateDefaults(routed, { name: 'west' });
    expect(templates[0]).toMatchObject({ subnetIds: ['subnet-east'], imageId: 'ami-type' });
    expect(sources[0]).toMatchObject({ subnetIds: 'provider:east', imageId: 'providerType:aws' });
    expect(templates[1]).toMatchObject({ imageId: 'ami-global' });
    expect(templates[1]).not.toHaveProperty('subnetIds');
  });

  it('refuses a circle of extends, naming the key and the template', () => {
    const circular = { ...layered, defaults: { ...layered.defaults, providerTypes: { aws: { extends: 'cloud' }, cloud: { extends: 'aws' } } } };
    const [issue] = issuesOf(() => parseTemplatesFile(circular, { provider: { name: 'east' } }));
    expect(issue).toMatchObject({ constraint: 'defaultsCircular', path: 'defaults.providerTypes.cloud.extends' });
    expect(issue!.message).toContain('template "compute"');
    expect(issue!.message).toContain('(aws -> cloud -> aws)');
  });

  it('refuses a level that names a provider type nobody declared', () => {
    const missing = { ...layered, defaults: { providers: { east: { providerType: 'gcp' } } } };
    expect(issuesOf(() => applyTemplateDefaults(missing, { name: 'east' }))).toEqual([
      expect.objectContaining({ constraint: 'defaultsLevelMissing', path: 'defaults.providers.east.providerType', message: expect.stringContaining('names a provider type that defaults.providerTypes does not declare') }),
    ]);
    // A name that is a property of every object is still a name nobody declared.
    const inherited = { ...layered, defaults: { providerTypes: { aws: { extends: 'toString' } } } };
    expect(issuesOf(() => applyTemplateDefaults(inherited, { type: 'aws' }))[0]).toMatchObject({ constraint: 'defaultsLevelMissing', path: 'defaults.providerTypes.aws.extends' });
    const badExtends = { ...layered, defaults: { providerTypes: { aws: { extends: 'base' } } } };
    expect(issuesOf(() => applyTemplateDefaults(badExtends, { type: 'aws' }))[0]).toMatchObject({ constraint: 'defaultsLevelMissing', path: 'defaults.providerTypes.aws.extends' });
  });

  it('refuses a defaults section of the wrong shape or one setting templateId', () => {
    const issues = issuesOf(() => applyTemplateDefaults({ defaults: { global: { templateId: 'x' }, regions: {} }, templates: [] }));
    expect(issues.map((i) => [i.path, i.constraint])).toEqual([
      ['defaults.regions', 'defaultsInvalid'],
      ['defaults.global.templateId', 'defaultsInvalid'],
    ]);
  });

  it('imports the effective template, so getAvailableTemplates and GetTemplate show the defaults', async () => {
    const hf = createTestHostFactory();
    try {
      const command = parseTemplatesFile(layered, { provider: { name: 'east' } });
      const { templates } = await hf.commands.execute(command);
      expect(templates.map((t) => t.action)).toEqual(['created', 'created']);
      const small = await hf.queries.execute(GetTemplate.from({ templateId: 'small' }));
      expect(small).toMatchObject({ maxNumber: 5, imageId: 'ami-type', keyName: 'type-key' });
      expect(small.attributes).toMatchObject({ ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] });
      // ImportTemplates itself applies a document's defaults too (REST hosts, the API).
      await hf.commands.execute(ImportTemplates.from({ document: { ...layered, templates: [{ ...base, templateId: 'api' }] }, provider: { name: 'east' } }));
      expect(await hf.queries.execute(GetTemplate.from({ templateId: 'api' }))).toMatchObject({ maxNumber: 5, subnetIds: ['subnet-east'] });
    } finally {
      hf.dispose();
    }
  });
});
