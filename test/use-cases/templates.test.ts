import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, DeleteTemplate, ImportTemplates, UpdateTemplate, ValidateTemplate } from '../../src/application/templates/template.commands';
import { GetTemplate, ListTemplates, ValidateTemplateQuery } from '../../src/application/templates/template.queries';
import type { TestHostFactory } from '../../src/testing';
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
