import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, ListRequests, RequestMachines } from '../../src/index';
import {
  aliasImageResolver,
  completeTemplatesFile,
  ImageResolutionError,
  locateTemplatesFile,
  resolveProviderEnvironment,
  type ImageResolver,
  type InstanceTypeCatalogue,
} from '../../src/hostfactory';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { isKernelError, type ValidationError } from '../../src/kernel';

const attributes = { type: ['String', 'X86_64'] };
const CATALOGUE: Record<string, { vcpus: number; cores?: number; memoryMiB: number }> = {
  'm5.large': { vcpus: 2, cores: 1, memoryMiB: 8192 },
  'm5.xlarge': { vcpus: 4, cores: 2, memoryMiB: 16384 },
  'c5.2xlarge': { vcpus: 8, cores: 4, memoryMiB: 16384 },
};

/** A catalogue over CATALOGUE that counts its calls. */
function countingCatalogue(): InstanceTypeCatalogue & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    describe: async (types) => {
      calls.push([...types]);
      return new Map(types.filter((t) => CATALOGUE[t] !== undefined).map((t) => [t, CATALOGUE[t]!]));
    },
  };
}

async function validationIssues(work: Promise<unknown>): Promise<{ path: string; constraint: string; message: string }[]> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (!isKernelError(error, 'VALIDATION_FAILED')) throw new Error(`expected VALIDATION_FAILED, got ${String(error)}`);
  return [...(error as ValidationError).issues];
}

describe('the instance-type catalogue', () => {
  it('fills ncpus, ncores and nram a template leaves out, keeps what it sets, and asks once for every type of the file', async () => {
    const catalogue = countingCatalogue();
    const { document, sources } = await completeTemplatesFile(
      {
        defaults: { global: { maxNumber: 4 } },
        templates: [
          { templateId: 'filled', vmType: 'm5.large', attributes },
          { templateId: 'own', vmType: 'm5.large', attributes: { ...attributes, ncpus: 16, nram: 1000 } },
          { templateId: 'weighted', priceType: 'spot', vmTypes: { 'm5.xlarge': 1, 'c5.2xlarge': 2 }, attributes },
        ],
      },
      { catalogue },
    );
    expect(catalogue.calls).toEqual([['c5.2xlarge', 'm5.large', 'm5.xlarge']]);
    expect(document.templates[0]!.attributes).toEqual({ ...attributes, ncpus: ['Numeric', '2'], ncores: ['Numeric', '1'], nram: ['Numeric', '8192'] });
    expect(sources[0]).toMatchObject({ 'attributes.ncpus': 'catalogue', 'attributes.nram': 'catalogue', maxNumber: 'global' });
    expect(document.templates[1]!.attributes).toEqual({ ...attributes, ncpus: 16, nram: 1000, ncores: ['Numeric', '1'] });
    expect(sources[1]).toMatchObject({ 'attributes.ncpus': 'template', 'attributes.ncores': 'catalogue' });
    // A weighted template reports the smallest of its types: what every machine it launches has at least.
    expect(document.templates[2]!.attributes).toMatchObject({ ncpus: ['Numeric', '4'], ncores: ['Numeric', '2'], nram: ['Numeric', '16384'] });
  });

  it('fills LSF\'s mem instead of nram when asked', async () => {
    const { document } = await completeTemplatesFile({ templates: [{ templateId: 'lsf', vmType: 'm5.large', attributes }] }, { catalogue: countingCatalogue(), memoryAttribute: 'mem' });
    expect(document.templates[0]!.attributes).toMatchObject({ mem: ['Numeric', '8192'] });
    expect(document.templates[0]!.attributes).not.toHaveProperty('nram');
  });

  it('refuses an instance type the catalogue does not know, naming the template and the key', async () => {
    const issues = await validationIssues(
      completeTemplatesFile({ templates: [{ templateId: 'typo', priceType: 'spot', vmTypes: { 'm5.large': 1, 'm9.huge': 2 }, attributes: { ...attributes, ncpus: 2, nram: 2 } }] }, { catalogue: countingCatalogue() }),
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'templates[0].vmTypes.m9.huge', constraint: 'instanceTypeUnknown', message: expect.stringContaining('template "typo"') })]);
  });

  it('refuses a template that needs the catalogue when it does not answer, and only warns for one that does not', async () => {
    const down: InstanceTypeCatalogue = { describe: () => Promise.reject(new Error('Throttling: Rate exceeded')) };
    const needs = { templateId: 'needs', vmType: 'm5.large', attributes };
    const complete = { templateId: 'complete', vmType: 'm5.large', attributes: { ...attributes, ncpus: 2, nram: 8 } };
    const issues = await validationIssues(completeTemplatesFile({ templates: [needs, complete] }, { catalogue: down }));
    expect(issues.map((i) => [i.path, i.constraint])).toEqual([['templates[0].attributes', 'catalogueUnavailable']]);
    const { warnings } = await completeTemplatesFile({ templates: [complete] }, { catalogue: down });
    expect(warnings).toEqual([expect.objectContaining({ constraint: 'catalogueUnavailable', message: expect.stringContaining('Rate exceeded') })]);
  });
});

describe('image references', () => {
  const ssm: ImageResolver & { calls: number } = {
    calls: 0,
    handles: (reference) => reference.startsWith('/'),
    async resolve(reference) {
      this.calls += 1;
      if (reference === '/images/rhel9') return 'ami-0rhel9';
      throw new ImageResolutionError(reference, 'unknown', 'the parameter does not exist');
    },
  };
  const images = aliasImageResolver({ rhel: '/images/rhel9', fixed: 'ami-0fixed' }, ssm);

  it('resolves an alias through its mapping and the next resolver, and refuses one with no mapping', async () => {
    await expect(images.resolve('alias:rhel')).resolves.toBe('ami-0rhel9');
    await expect(images.resolve('alias:fixed')).resolves.toBe('ami-0fixed');
    const error = await images.resolve('alias:centos').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageResolutionError);
    expect((error as ImageResolutionError).toJSON()).toMatchObject({ code: 'IMAGE_UNRESOLVED', details: { reference: 'alias:centos', reason: 'unknown' } });
    expect(images.handles('ami-123')).toBe(false);
  });

  it('refuses at import an alias with no mapping and a parameter that does not exist, naming template and key', async () => {
    const issues = await validationIssues(
      completeTemplatesFile(
        {
          templates: [
            { templateId: 'ok', vmType: 'm5.large', imageId: 'alias:rhel', attributes },
            { templateId: 'no-alias', vmType: 'm5.large', imageId: 'alias:centos', attributes },
            { templateId: 'no-param', vmType: 'm5.large', imageId: '/images/none', attributes },
          ],
        },
        { images },
      ),
    );
    expect(issues.map((i) => [i.path, i.constraint])).toEqual([
      ['templates[1].imageId', 'imageUnresolved'],
      ['templates[2].imageId', 'imageUnresolved'],
    ]);
    expect(issues[0]!.message).toContain('template "no-alias"');
    expect(issues[0]!.message).toContain('no mapping');
  });

  it('only warns at import when the image source cannot answer now: the request resolves it again', async () => {
    const throttled: ImageResolver = { handles: () => true, resolve: () => Promise.reject(new Error('ThrottlingException: Rate exceeded')) };
    const { warnings } = await completeTemplatesFile({ templates: [{ templateId: 'later', vmType: 'm5.large', imageId: '/images/rhel9', attributes }] }, { images: throttled });
    expect(warnings).toEqual([expect.objectContaining({ path: 'templates[0].imageId', constraint: 'imageUnavailable', message: expect.stringContaining('Rate exceeded') })]);
  });

  describe('at request time', () => {
    let hf: TestHostFactory;
    afterEach(() => hf?.dispose());

    it('hands the provider the resolved image', async () => {
      hf = createTestHostFactory({ images });
      await hf.commands.execute(CreateTemplate.from({ template: { templateId: 't', maxNumber: 5, vmType: 'm5.large', imageId: 'alias:rhel', attributes: { ...attributes, ncpus: 2, nram: 8 } } }));
      await hf.commands.execute(RequestMachines.from({ templateId: 't', machineCount: 1 }));
      expect(hf.fake!.callsTo('provision')[0]!.input.template.imageId).toBe('ami-0rhel9');
    });

    it('fails the request with IMAGE_UNRESOLVED before the provider is called', async () => {
      hf = createTestHostFactory({ images });
      await hf.commands.execute(CreateTemplate.from({ template: { templateId: 't', maxNumber: 5, vmType: 'm5.large', imageId: '/images/gone', attributes: { ...attributes, ncpus: 2, nram: 8 } } }));
      const error = await hf.commands.execute(RequestMachines.from({ templateId: 't', machineCount: 1 })).catch((e: unknown) => e);
      expect(isKernelError(error, 'IMAGE_UNRESOLVED')).toBe(true);
      expect((error as ImageResolutionError).details).toMatchObject({ templateId: 't', key: 'imageId', reason: 'unknown' });
      expect(hf.fake!.callsTo('provision')).toEqual([]);
      const { items } = await hf.queries.execute(ListRequests.from({}));
      expect(items.map((r) => [r.status, r.machineIds.length])).toEqual([['failed', 0]]);
      expect(items[0]!.statusMessage).toContain('did not resolve');
    });

    it('fails the request as unavailable when the resolver cannot answer (a throttled source), launching nothing', async () => {
      const down: ImageResolver = { handles: () => true, resolve: () => Promise.reject(new Error('ThrottlingException: Rate exceeded')) };
      hf = createTestHostFactory({ images: down });
      await hf.commands.execute(CreateTemplate.from({ template: { templateId: 't', maxNumber: 5, vmType: 'm5.large', imageId: '/images/rhel9', attributes: { ...attributes, ncpus: 2, nram: 8 } } }));
      const error = await hf.commands.execute(RequestMachines.from({ templateId: 't', machineCount: 1 })).catch((e: unknown) => e);
      expect((error as ImageResolutionError).toJSON()).toMatchObject({ code: 'IMAGE_UNRESOLVED', details: { templateId: 't', reason: 'unavailable', why: 'ThrottlingException: Rate exceeded' } });
      expect(hf.fake!.callsTo('provision')).toEqual([]);
    });
  });
});

describe('locating the templates file', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const environment = () => {
    root = mkdtempSync(join(tmpdir(), 'hf-lookup-'));
    mkdirSync(join(root, 'conf'));
    return resolveProviderEnvironment({ HF_PROVIDER_NAME: 'east', HF_PROVIDER_CONFDIR: join(root, 'conf'), HF_PROVIDER_WORKDIR: join(root, 'work'), HF_PROVIDER_LOGDIR: join(root, 'log') });
  };

  it('takes <name>prov_templates.json, then <type>prov_templates.json, then templates.json', () => {
    const env = environment();
    writeFileSync(join(root, 'conf', 'templates.json'), '{}');
    expect(locateTemplatesFile(env, 'aws')).toEqual({ path: join(root, 'conf', 'templates.json'), described: '$HF_PROVIDER_CONFDIR/templates.json' });
    writeFileSync(join(root, 'conf', 'awsprov_templates.json'), '{}');
    expect(locateTemplatesFile(env, 'aws').described).toBe('$HF_PROVIDER_CONFDIR/awsprov_templates.json');
    symlinkSync(join(root, 'nowhere'), join(root, 'conf', 'eastprov_templates.json'));
    // A dangling link is the file (reading it says what is wrong), never a reason to fall through to another one.
    expect(locateTemplatesFile(env, 'aws').described).toBe('$HF_PROVIDER_CONFDIR/${HF_PROVIDER_NAME}prov_templates.json');
  });

  it('names every file looked for when there is none', () => {
    const env = environment();
    const error = (() => {
      try {
        return locateTemplatesFile(env, 'aws');
      } catch (e) {
        return e;
      }
    })();
    expect(isKernelError(error, 'TEMPLATES_FILE_MISSING')).toBe(true);
    expect((error as Error).message).toContain('($HF_PROVIDER_CONFDIR): looked for ${HF_PROVIDER_NAME}prov_templates.json, then awsprov_templates.json, then templates.json');
    expect((error as Error).message).not.toContain(root);
  });
});
