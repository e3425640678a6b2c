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

describe('template defaults: shapes and edge cases', () => {
  const only = { templateId: 'only', vmType: 'm5.large' };

  it('reads no templates from a document that has none, and passes entries that are not objects through untouched', () => {
    for (const document of [{}, { templates: 'nope' }, null, 'text']) expect(applyTemplateDefaults(document)).toEqual({ templates: [], sources: [] });
    expect(applyTemplateDefaults({ defaults: { global: { maxNumber: 3 } }, templates: ['oops', null, only] })).toEqual({
      templates: ['oops', null, { ...only, maxNumber: 3 }],
      sources: [{}, {}, { templateId: 'template', vmType: 'template', maxNumber: 'global' }],
    });
  });

  it('returns a document without defaults (or with defaults null) unchanged, whatever provider it is imported for', () => {
    expect(applyTemplateDefaults({ templates: [only] }, { name: 'east', type: 'aws' }).templates).toEqual([only]);
    expect(applyTemplateDefaults({ defaults: null, templates: [only] }, { name: 'east', type: 'aws' }).templates).toEqual([only]);
  });

  it('names a template without an id by its index, and the whole error as the templates file', () => {
    let caught: unknown;
    try {
      applyTemplateDefaults({ defaults: { providerTypes: { aws: { extends: 'base' } } }, templates: [{ vmType: 'm5.large' }] }, { type: 'aws' });
    } catch (error) {
      caught = error;
    }
    expect((caught as ValidationError).issues).toEqual([
      {
        path: 'defaults.providerTypes.aws.extends',
        constraint: 'defaultsLevelMissing',
        message: 'template "templates[0]": defaults.providerTypes.aws.extends names the provider type "base", which defaults.providerTypes does not declare: declare it or correct the name',
      },
    ]);
    expect((caught as ValidationError).message).toMatch(/^Invalid templates file: /);
  });

  it('refuses a defaults section that is not an object, saying what it must be', () => {
    expect(issuesOf(() => applyTemplateDefaults({ defaults: 'oops', templates: [only] }))).toEqual([
      { path: 'defaults', constraint: 'defaultsInvalid', message: 'defaults must be { "global": {...}, "providerTypes": {...}, "providers": {...} }, got a string of 4 characters' },
    ]);
  });

  it('names the sections a defaults section may hold, and at most 60 characters of an unknown one', () => {
    const long = 'r'.repeat(100);
    expect(issuesOf(() => applyTemplateDefaults({ defaults: { [long]: {} }, templates: [] }))).toEqual([
      { path: `defaults.${long}`, constraint: 'defaultsInvalid', message: `defaults may hold only global, providerTypes, providers; remove "${'r'.repeat(60)}"` },
    ]);
  });

  it('refuses levels and sections that are not objects, at their paths, and ignores ones written null', () => {
    expect(issuesOf(() => applyTemplateDefaults({ defaults: { global: 5, providerTypes: 'x', providers: { east: 'x', west: { templateId: 'w' } } }, templates: [] }))).toEqual([
      { path: 'defaults.global', constraint: 'defaultsInvalid', message: 'defaults.global must be an object of template keys, got an integer' },
      { path: 'defaults.providerTypes', constraint: 'defaultsInvalid', message: 'defaults.providerTypes must be an object of template keys, got a string of 1 character' },
      { path: 'defaults.providers.east', constraint: 'defaultsInvalid', message: 'defaults.providers.east must be an object of template keys, got a string of 1 character' },
      { path: 'defaults.providers.west.templateId', constraint: 'defaultsInvalid', message: 'templateId cannot be a default: each template sets its own' },
    ]);
    const nulls = { defaults: { global: null, providerTypes: { aws: null }, providers: { east: null } }, templates: [only] };
    expect(applyTemplateDefaults(nulls, { name: 'east' }).templates).toEqual([only]);
    // A provider type level written null is no level: never a crash.
    expect(() => applyTemplateDefaults(nulls, { name: 'east', type: 'aws' })).not.toThrow();
  });

  it('applies a provider level that names no provider type, and none for a provider without a name', () => {
    const defaults = { global: { maxNumber: 1 }, providers: { west: { maxNumber: 2 }, undefined: { maxNumber: 7 } } };
    expect(applyTemplateDefaults({ defaults, templates: [only] }, { name: 'west' }).templates[0]).toMatchObject({ maxNumber: 2 });
    expect(applyTemplateDefaults({ defaults, templates: [only] }, {}).templates[0]).toMatchObject({ maxNumber: 1 });
  });

  it('takes nothing from a host\'s provider type that has no level, and refuses a providerType that is not a name', () => {
    expect(applyTemplateDefaults(layered, { name: 'west', type: 'azure' }).templates[1]).toMatchObject({ imageId: 'ami-global', keyName: 'global-key' });
    const listed = { defaults: { providerTypes: { aws: { maxNumber: 2 } }, providers: { east: { providerType: ['aws'] } } }, templates: [only] };
    expect(issuesOf(() => applyTemplateDefaults(listed, { name: 'east' }))).toEqual([expect.objectContaining({ path: 'defaults.providers.east.providerType', constraint: 'defaultsLevelMissing' })]);
  });

  it('refuses an extends that is not a name', () => {
    expect(issuesOf(() => applyTemplateDefaults({ defaults: { providerTypes: { aws: { extends: 5 } } }, templates: [only] }, { type: 'aws' }))).toEqual([
      { path: 'defaults.providerTypes.aws.extends', constraint: 'defaultsInvalid', message: 'extends must name a provider type, got an integer' },
    ]);
  });

  it('lets a lower level fill a key the template gives as null or undefined', () => {
    const { templates, sources } = applyTemplateDefaults({ defaults: { global: { maxNumber: 5, keyName: 'k' } }, templates: [{ ...only, maxNumber: null, keyName: undefined }] });
    expect(templates[0]).toEqual({ ...only, maxNumber: 5, keyName: 'k' });
    expect(sources[0]).toMatchObject({ maxNumber: 'global', keyName: 'global' });
  });

  it('never lets a __proto__ key of a template or of a merged map become a prototype', () => {
    const document = JSON.parse('{"defaults":{"global":{"maxNumber":5}},"templates":[{"templateId":"p","__proto__":{"polluted":1},"attributes":{"__proto__":{"polluted":2},"ncpus":2}}]}') as unknown;
    const { templates, sources } = applyTemplateDefaults(document);
    expect(Object.getPrototypeOf(templates[0])).toBe(Object.prototype);
    expect(Object.getPrototypeOf(templates[0]!.attributes)).toBe(Object.prototype);
    expect('polluted' in templates[0]!).toBe(false);
    expect('polluted' in (templates[0]!.attributes as object)).toBe(false);
    expect(templates[0]).toEqual({ templateId: 'p', attributes: { ncpus: 2 }, maxNumber: 5 });
    expect(Object.keys(sources[0]!)).toEqual(['templateId', 'attributes.ncpus', 'maxNumber']);
  });

  it('keeps a merged key that is not a map as the highest level wrote it, for the template rules to refuse', () => {
    const defaults = { global: { attributes: { ncpus: 1 }, instanceTags: 'team=hpc' } };
    const { templates, sources } = applyTemplateDefaults({ defaults, templates: [{ ...only, attributes: 'a=b', instanceTags: 'no-equals-sign' }] });
    expect(templates[0]).toEqual({ ...only, attributes: 'a=b', instanceTags: 'no-equals-sign' });
    expect(sources[0]).toMatchObject({ attributes: 'template', instanceTags: 'template' });
    // A lower level's value that is not a map does not replace a higher level's map.
    const below = applyTemplateDefaults({ defaults: { global: { attributes: 'a=b', instanceTags: 'team=hpc' } }, templates: [{ ...only, attributes: { ncpus: 2 }, instanceTags: { tier: 'x' } }] });
    expect(below.templates[0]).toEqual({ ...only, attributes: { ncpus: 2 }, instanceTags: { tier: 'x', team: 'hpc' } });
    // An instanceTags map merges key by key even with a value the template rules will refuse.
    const invalid = applyTemplateDefaults({ defaults: { global: { instanceTags: 'team=hpc' } }, templates: [{ ...only, instanceTags: { cost: 5 } }] });
    expect(invalid.templates[0]!.instanceTags).toEqual({ cost: 5, team: 'hpc' });
  });
});

// Three bugs a mutation review found (issue 32): each test failed before its fix in template-defaults.ts.
describe('template defaults: levels that must not be confused', () => {
  it('keeps a provider named "" apart from a provider without a name', () => {
    const file = { defaults: { providers: { '': { maxNumber: 3 } } }, templates: [{ ...base, templateId: 'a', providerName: '' }, { ...base, templateId: 'b' }] };
    const { templates } = applyTemplateDefaults(file, {});
    expect(templates[0]).toMatchObject({ maxNumber: 3 });
    expect(templates[1]).not.toHaveProperty('maxNumber');
    // And in the other order: the first template's chain is not the second's.
    const swapped = applyTemplateDefaults({ ...file, templates: [...file.templates].reverse() }, {}).templates;
    expect(swapped[0]).not.toHaveProperty('maxNumber');
    expect(swapped[1]).toMatchObject({ maxNumber: 3 });
  });

  it('still applies the global level under a provider type level written null', () => {
    const file = { defaults: { global: { maxNumber: 5 }, providerTypes: { aws: null } }, templates: [{ ...base, templateId: 'b' }] };
    const { templates, sources } = applyTemplateDefaults(file, { type: 'aws' });
    expect(templates[0]).toMatchObject({ maxNumber: 5 });
    expect(sources[0]).toMatchObject({ maxNumber: 'global' });
    // The same through an extends chain that reaches a null level.
    const chained = { defaults: { global: { maxNumber: 5 }, providerTypes: { aws: { extends: 'cloud', keyName: 'k' }, cloud: null } }, templates: [{ ...base, templateId: 'b' }] };
    expect(applyTemplateDefaults(chained, { type: 'aws' }).templates[0]).toMatchObject({ maxNumber: 5, keyName: 'k' });
  });

  it('refuses a template giving both subnetId and subnetIds whether or not the file has defaults', async () => {
    const both = { ...base, templateId: 'b', attributes: { ...base.attributes, ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, subnetId: 'subnet-a', subnetIds: ['subnet-b'] };
    // applyTemplateDefaults keeps both of the template's own spellings, for the template's rules to refuse.
    const merged = applyTemplateDefaults({ defaults: { global: { maxNumber: 5 } }, templates: [both] }, {}).templates[0];
    expect(merged).toMatchObject({ subnetId: 'subnet-a', subnetIds: ['subnet-b'], maxNumber: 5 });
    for (const file of [{ templates: [{ ...both, maxNumber: 5 }] }, { defaults: { global: { maxNumber: 5 } }, templates: [both] }]) {
      const hf = await createTestHostFactory();
      try {
        const report = await hf.commands.execute(ImportTemplates.from({ document: file, provider: {} }));
        expect(report.templates).toEqual([expect.objectContaining({ templateId: 'b', action: 'failed', code: 'VALIDATION_FAILED', issues: [{ path: 'subnetId', constraint: 'exclusive', message: 'give subnetIds or subnetId, not both' }] })]);
      } finally {
        await hf.dispose();
      }
    }
    // One spelling from the template still wins over the other from a default level.
    const mixed = applyTemplateDefaults({ defaults: { global: { subnetIds: ['subnet-g'] } }, templates: [{ ...base, templateId: 'c', subnetId: 'subnet-a' }] }, {}).templates[0];
    expect(mixed).toMatchObject({ subnetId: 'subnet-a' });
    expect(mixed).not.toHaveProperty('subnetIds');
  });
});
