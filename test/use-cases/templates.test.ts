import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, DeleteTemplate, ImportTemplates, UpdateTemplate, ValidateTemplate } from '../../src/application/templates/template.commands';
import { GetTemplate, ListTemplates, ValidateTemplateQuery } from '../../src/application/templates/template.queries';
import { ValidateTemplateQueryHandler } from '../../src/application/templates/template.query-handlers';
import { MAX_TEMPLATES_PER_DOCUMENT, readTemplatesDocument } from '../../src/application/templates/templates-document';
import type { ProviderPort } from '../../src/application/provider/provider.port';
import { KernelError, type ValidationError } from '../../src/kernel';
import type { Storage, Transaction } from '../../src/storage/index';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, type TestHostFactory } from '../../src/testing';
import { rejection, request, templateInput, withTemplate } from './support';

let hf: TestHostFactory;
afterEach(() => hf?.dispose());

describe('template commands', () => {
  it('creates a template and keeps provider keys verbatim', async () => {
    hf = await withTemplate({ fleetRole: 'arn:aws:iam::1:role/fleet', rootDeviceVolumeSize: 50 });
    const dto = await hf.queries.execute(GetTemplate.from({ templateId: 'small', includeConfiguration: true }));
    expect(dto).toMatchObject({ templateId: 'small', maxNumber: 10, availableNumber: 10, active: true, version: 1 });
    expect(dto.attributes.ncpus).toEqual(['Numeric', '2']);
    expect(dto.configuration?.providerConfig).toEqual({ fleetRole: 'arn:aws:iam::1:role/fleet', rootDeviceVolumeSize: 50 });
    expect((await hf.queries.execute(GetTemplate.from({ templateId: 'small' }))).configuration).toBeUndefined();
  });

  it('refuses a second template with the same id', async () => {
    hf = await withTemplate();
    const error = await rejection(hf.commands.execute(CreateTemplate.from({ template: templateInput() })));
    expect(error.code).toBe('TEMPLATE_ALREADY_EXISTS');
  });

  it('reports every invalid field under template.', async () => {
    hf = await withTemplate();
    const error = await rejection(
      (async () => hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'bad id!', maxNumber: 20000, attributes: {} }) })))(),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    const paths = (error as unknown as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['template.templateId', 'template.maxNumber', 'template.attributes.type']));
  });

  it('updates with optimistic concurrency', async () => {
    hf = await withTemplate();
    const updated = await hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 20 }, expectedVersion: 1 }));
    expect(updated.version).toBe(2);
    expect((await hf.queries.execute(GetTemplate.from({ templateId: 'small' }))).maxNumber).toBe(20);
    const stale = await rejection(hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 30 }, expectedVersion: 1 })));
    expect(stale.code).toBe('CONCURRENCY_CONFLICT');
  });

  it('hides inactive templates from the default listing', async () => {
    hf = await withTemplate();
    await hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { active: false } }));
    expect(await hf.queries.execute(ListTemplates.from({}))).toEqual([]);
    expect(await hf.queries.execute(ListTemplates.from({ activeOnly: false }))).toHaveLength(1);
  });

  it('refuses to delete a template an open request uses, and deletes it afterwards', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    const requestId = await request(hf, 1);
    const error = await rejection(hf.commands.execute(DeleteTemplate.from({ templateId: 'small' })));
    expect(error.code).toBe('TEMPLATE_IN_USE');
    expect(error.message).toContain(requestId);
    hf.advance({ hours: 2 });
    await hf.commands.execute((await import('../../src/index')).SyncRequest.from({ requestId }));
    await hf.commands.execute(DeleteTemplate.from({ templateId: 'small' }));
    expect((await rejection(hf.queries.execute(GetTemplate.from({ templateId: 'small' })))).code).toBe('TEMPLATE_NOT_FOUND');
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
  });

  it('validates a template as a dry run, writing nothing', async () => {
    hf = await withTemplate();
    const head = await hf.storage.eventLog.head();
    expect(await hf.commands.execute(ValidateTemplate.from({ template: templateInput({ maxNumber: 3 }) }))).toEqual({ valid: true, issues: [], action: 'update' });
    expect(await hf.commands.execute(ValidateTemplate.from({ template: templateInput({ templateId: 'new' }) }))).toMatchObject({ action: 'create' });
    expect(await hf.commands.execute(ValidateTemplate.from({ template: templateInput() }))).toMatchObject({ action: 'unchanged' });
    const invalid = await hf.commands.execute(ValidateTemplate.from({ template: templateInput({ maxNumber: -5 }) }));
    expect(invalid).toMatchObject({ valid: false, action: 'invalid' });
    expect(invalid.issues[0]?.path).toBe('maxNumber');
    expect(await hf.storage.eventLog.head()).toBe(head);
    const query = await hf.queries.execute(ValidateTemplateQuery.from({ template: { templateId: 'x' } }));
    expect(query.valid).toBe(false);
  });
});

describe('ImportTemplates', () => {
  it('upserts each template and reports per template', async () => {
    hf = await withTemplate();
    const document = {
      templates: [
        templateInput({ maxNumber: 4 }),
        templateInput({ templateId: 'large', vmType: 'm5.4xlarge' }),
        templateInput({ templateId: 'broken', attributes: { type: ['String', 'X86_64'] } }),
      ],
    };
    const { templates } = await hf.commands.execute(ImportTemplates.from({ document }));
    expect(templates.map((t) => [t.templateId, t.action])).toEqual([
      ['small', 'updated'],
      ['large', 'created'],
      ['broken', 'failed'],
    ]);
    expect(templates[2]?.code).toBe('VALIDATION_FAILED');
    const again = await hf.commands.execute(ImportTemplates.from({ document: document.templates.slice(0, 2) }));
    expect(again.templates.map((t) => t.action)).toEqual(['unchanged', 'unchanged']);
    expect((await hf.queries.execute(ListTemplates.from({}))).map((t) => t.templateId)).toEqual(['large', 'small']);
  });

  it('removes provider keys the file no longer has and can deactivate missing templates', async () => {
    hf = await withTemplate({ fleetRole: 'old-role' });
    await hf.commands.execute(ImportTemplates.from({ document: { templates: [templateInput({ templateId: 'other' })] }, deactivateMissing: true }));
    expect((await hf.queries.execute(ListTemplates.from({}))).map((t) => t.templateId)).toEqual(['other']);
    await hf.commands.execute(ImportTemplates.from({ document: [templateInput()] }));
    const small = await hf.queries.execute(GetTemplate.from({ templateId: 'small', includeConfiguration: true }));
    expect(small.configuration?.providerConfig).toEqual({});
    expect(small.active).toBe(true);
  });

  it('rejects something that is not a templates document', async () => {
    hf = await withTemplate();
    const error = await rejection(hf.commands.execute(ImportTemplates.from({ document: { templates: 'nope' } })));
    expect(error.code).toBe('VALIDATION_FAILED');
  });
});

/** In-memory storage whose transactions run through `around` (to see locks, fail a rollback, change a listing). */
function storageAround(around: <T>(run: (work: (tx: Transaction) => Promise<T>) => Promise<T>, work: (tx: Transaction) => Promise<T>) => Promise<T>): Storage {
  const memory = createInMemoryStorage();
  return { ...memory, unitOfWork: { transaction: (work) => around((w) => memory.unitOfWork.transaction(w), work) } };
}

/** `target[key]`, bound to `target` when it is a method. */
function bound(target: object, key: string | symbol): unknown {
  const value = Reflect.get(target, key, target) as unknown;
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/** `tx` with some members replaced. */
function txWith(tx: Transaction, replaced: Partial<Record<keyof Transaction, unknown>>): Transaction {
  return new Proxy(tx, {
    get: (target, key) => {
      if (Object.hasOwn(replaced, key)) return replaced[key as keyof Transaction];
      return bound(target, key);
    },
  });
}

/** A fake cloud whose checkTemplate throws `error`. */
function refusingProvider(error: Error): ProviderPort {
  return Object.assign(new FakeProvider(), { checkTemplate: () => { throw error; } });
}

describe('template commands: errors and reports', () => {
  it('reports a stale update as a conflict on the Template, and a bad change under changes.', async () => {
    hf = await withTemplate();
    const stale = await rejection(hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 30 }, expectedVersion: 2 })));
    expect(stale.message).toMatch(/^Template "small" was expected at version 2 but it is at version 1/);
    expect(stale.details).toMatchObject({ aggregateType: 'Template', id: 'small' });
    const bad = await rejection(hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: -5 } })));
    expect(bad.message).toMatch(/^Invalid template changes: /);
    expect((bad as unknown as ValidationError).issues.map((i) => i.path)).toEqual(['changes.maxNumber']);
  });

  it('deletes under the template\'s lock (the one request admission takes), answers the id, and refuses an unknown template', async () => {
    const locks: string[] = [];
    hf = createTestHostFactory({ storage: storageAround((run, work) => run((tx) => work(txWith(tx, { lock: (key: string) => (locks.push(key), tx.lock(key)) })))) });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'other' }) }));
    await request(hf, 1, 'other');
    expect(locks).toContain('template:other');
    locks.length = 0;
    expect(await hf.commands.execute(DeleteTemplate.from({ templateId: 'small' }))).toEqual({ templateId: 'small' });
    expect(locks).toEqual(['template:small']);
    expect((await rejection(hf.commands.execute(DeleteTemplate.from({ templateId: 'never' })))).code).toBe('TEMPLATE_NOT_FOUND');
  });

  it('a dry run whose rollback fails reports the failure, never a valid template', async () => {
    hf = createTestHostFactory({ storage: storageAround((run, work) => run(work).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('Invalid')) throw error;
      throw new Error('the database went away during the rollback');
    })) });
    await expect(hf.commands.execute(ValidateTemplate.from({ template: templateInput() }))).rejects.toThrow('the database went away during the rollback');
    hf.dispose();
    hf = createTestHostFactory({ storage: storageAround((run, work) => run(work).catch(() => undefined as never)) });
    await expect(hf.commands.execute(ValidateTemplate.from({ template: templateInput() }))).rejects.toThrow('unreachable: a dry run always rolls back');
  });

  it('a dry run reports only a provider refusal that names the template and the key; other errors are thrown', async () => {
    const refusals: [Error, boolean][] = [
      [new KernelError('UNKNOWN_PROVIDER', 'no such cloud', { details: { templateId: 'small', key: 'providerName' } }), true],
      [new Error('the provider crashed'), false],
      [new KernelError('UNKNOWN_PROVIDER', 'no key', { details: { templateId: 'small' } }), false],
      [new KernelError('UNKNOWN_PROVIDER', 'no template', { details: { key: 'providerName' } }), false],
    ];
    for (const [error, reported] of refusals) {
      hf?.dispose();
      hf = createTestHostFactory({ provider: refusingProvider(error) });
      const outcome = hf.commands.execute(ValidateTemplate.from({ template: templateInput() }));
      if (reported) await expect(outcome).resolves.toEqual({ valid: false, action: 'invalid', issues: [{ path: 'providerName', constraint: 'UNKNOWN_PROVIDER', message: 'no such cloud' }] });
      else await expect(outcome).rejects.toBe(error);
    }
  });
});

describe('ImportTemplates: reports', () => {
  it('refuses a document that is not one at document, naming what it must be', async () => {
    hf = await withTemplate();
    const error = await rejection(hf.commands.execute(ImportTemplates.from({ document: { templates: 'nope' } })));
    expect(error.message).toMatch(/^Invalid templates document: /);
    expect((error as unknown as ValidationError).issues).toEqual([{ path: 'document', constraint: 'isTemplatesDocument', message: 'document must be { "templates": [ ... ] } or an array of templates' }]);
  });

  it('imports a document without defaults as written: a template giving both subnetId and subnetIds is refused', async () => {
    hf = await withTemplate();
    const { templates } = await hf.commands.execute(ImportTemplates.from({ document: { templates: [templateInput({ templateId: 'two', subnetId: 'subnet-a', subnetIds: ['subnet-b'] })] } }));
    expect(templates).toEqual([expect.objectContaining({ templateId: 'two', action: 'failed', code: 'VALIDATION_FAILED' })]);
  });

  it('reports a template without an id (or not an object) as failed with templateId null, with its issues, and goes on', async () => {
    hf = await withTemplate();
    const { templates } = await hf.commands.execute(ImportTemplates.from({ document: [null, { maxNumber: 1 }, templateInput({ templateId: 'fine' })] }));
    expect(templates.map((t) => [t.templateId, t.action, t.code])).toEqual([
      [null, 'failed', 'VALIDATION_FAILED'],
      [null, 'failed', 'VALIDATION_FAILED'],
      ['fine', 'created', undefined],
    ]);
    expect(templates[1]!.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'templateId' })]));
  });

  it('does not report an error that is not the library\'s: it fails the import', async () => {
    const crash = new Error('the provider crashed');
    hf = createTestHostFactory({ provider: refusingProvider(crash) });
    await expect(hf.commands.execute(ImportTemplates.from({ document: [templateInput()] }))).rejects.toBe(crash);
  });

  it('leaves templates the document does not mention alone unless asked, and reports each one it deactivates', async () => {
    hf = await withTemplate();
    await hf.commands.execute(ImportTemplates.from({ document: [templateInput({ templateId: 'other' })] }));
    expect((await hf.queries.execute(ListTemplates.from({}))).map((t) => t.templateId)).toEqual(['other', 'small']);
    const { templates } = await hf.commands.execute(ImportTemplates.from({ document: [templateInput({ templateId: 'other' })], deactivateMissing: true }));
    expect(templates).toEqual([
      { templateId: 'other', action: 'unchanged', version: 1 },
      { templateId: 'small', action: 'updated', version: 2 },
    ]);
  });

  it('skips a listed template that is gone by the time it would be deactivated', async () => {
    const ghost = { templateId: 'ghost', active: true, version: 1 };
    hf = createTestHostFactory({
      storage: storageAround((run, work) => run((tx) => work(txWith(tx, { templates: new Proxy(tx.templates, { get: (target, key) => (key === 'list' ? async () => [...(await target.list()), ghost] : bound(target, key)) }) })))),
    });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const { templates } = await hf.commands.execute(ImportTemplates.from({ document: [templateInput({ templateId: 'other' })], deactivateMissing: true }));
    // No line for the ghost: nothing was deactivated, and no version 2 of it was saved.
    expect(templates).toEqual([
      { templateId: 'other', action: 'created', version: 1 },
      { templateId: 'small', action: 'updated', version: 2 },
    ]);
  });

  it('reports no deactivation for a listed template deactivated or deleted since the list, and leaves it as it is', async () => {
    // The listing still shows both as active, as one taken before an operator's change would.
    hf = createTestHostFactory({
      storage: storageAround((run, work) =>
        run((tx) => work(txWith(tx, { templates: new Proxy(tx.templates, { get: (target, key) => (key === 'list' ? async () => (await target.list()).map((t) => ({ ...t, active: true })) : bound(target, key)) }) }))),
      ),
    });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'paused' }) }));
    await hf.commands.execute(UpdateTemplate.from({ templateId: 'paused', changes: { active: false } }));
    await hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'gone' }) }));
    await hf.commands.execute(DeleteTemplate.from({ templateId: 'gone' }));
    const { templates } = await hf.commands.execute(ImportTemplates.from({ document: [templateInput({ templateId: 'other' })], deactivateMissing: true }));
    expect(templates).toEqual([{ templateId: 'other', action: 'created', version: 1 }]);
    const paused = await hf.queries.execute(GetTemplate.from({ templateId: 'paused' }));
    expect({ active: paused.active, version: paused.version }).toEqual({ active: false, version: 2 });
  });
});

describe('template queries', () => {
  it('lists without the configuration by default, filters by providerApi and refuses an unknown template', async () => {
    hf = await withTemplate({ fleetRole: 'role' });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'spotty', providerApi: 'SpotFleet' }) }));
    const listed = await hf.queries.execute(ListTemplates.from({}));
    expect(listed.map((t) => t.configuration)).toEqual([undefined, undefined]);
    expect((await hf.queries.execute(ListTemplates.from({ providerApi: 'SpotFleet' }))).map((t) => t.templateId)).toEqual(['spotty']);
    expect((await hf.queries.execute(ListTemplates.from({ includeConfiguration: true })))[0]!.configuration).toBeDefined();
    expect((await rejection(hf.queries.execute(GetTemplate.from({ templateId: 'never' })))).code).toBe('TEMPLATE_NOT_FOUND');
  });

  it('lists only the named machines of a template as requested', async () => {
    const cloud = new FakeProvider();
    const unnamed = <T extends { machines: readonly { name?: string | null }[] }>(result: T): T => ({ ...result, machines: result.machines.map((m) => ({ ...m, name: null })) });
    const provider = Object.assign(cloud, { provision: async (input: Parameters<FakeProvider['provision']>[0]) => unnamed(await FakeProvider.prototype.provision.call(cloud, input)) });
    hf = createTestHostFactory({ provider });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await request(hf, 1);
    await hf.settle();
    expect((await hf.queries.execute(GetTemplate.from({ templateId: 'small' }))).requestedMachines).toEqual([]);
  });

  it('checks a template against the rules: valid, or every issue', async () => {
    hf = await withTemplate();
    expect(await hf.queries.execute(ValidateTemplateQuery.from({ template: templateInput() }))).toEqual({ valid: true, issues: [] });
    const invalid = await hf.queries.execute(ValidateTemplateQuery.from({ template: templateInput({ maxNumber: -5 }) }));
    expect(invalid.issues.map((i) => i.path)).toEqual(['maxNumber']);
    const hostile = { template: { get templateId(): string { throw new Error('a getter that throws'); } } } as unknown as ValidateTemplateQuery;
    expect(() => new ValidateTemplateQueryHandler().handle(hostile)).toThrow('a getter that throws');
  });
});

describe('readTemplatesDocument', () => {
  it(`accepts ${MAX_TEMPLATES_PER_DOCUMENT} templates and refuses one more, at the templates array`, () => {
    expect(readTemplatesDocument({ templates: new Array(MAX_TEMPLATES_PER_DOCUMENT).fill({}) }, 'document')).toHaveLength(MAX_TEMPLATES_PER_DOCUMENT);
    let caught: unknown;
    try {
      readTemplatesDocument({ templates: new Array(MAX_TEMPLATES_PER_DOCUMENT + 1).fill({}) }, 'document');
    } catch (error) {
      caught = error;
    }
    expect((caught as ValidationError).message).toMatch(/^Invalid templates document: /);
    expect((caught as ValidationError).issues).toEqual([{ path: 'document.templates', constraint: 'arrayMaxSize', message: 'document.templates holds 10001 templates; at most 10000 are accepted' }]);
  });
});
