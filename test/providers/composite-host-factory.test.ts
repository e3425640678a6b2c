import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, ImportTemplates, ValidateTemplate } from '../../src/application/templates/template.commands';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing/index';
import { templateInput } from '../support/templates';
import { twoClouds, type TwoClouds } from './support';

let hf: TestHostFactory | undefined;
afterEach(() => hf?.dispose());

function hostOn(clouds: TwoClouds): TestHostFactory {
  hf = createTestHostFactory({ provider: clouds.composite, clock: clouds.clock });
  return hf;
}

describe('A host factory on a composite provider', () => {
  it('refuses at import a template naming an unknown provider, with the template and key, and stores the others', async () => {
    const host = hostOn(twoClouds());
    const { templates } = await host.commands.execute(
      ImportTemplates.from({ document: { templates: [templateInput({ templateId: 'east-small', providerName: 'east' }), templateInput({ templateId: 'north-small', providerName: 'north' })] } }),
    );
    expect(templates).toEqual([
      { templateId: 'east-small', action: 'created', version: 1 },
      expect.objectContaining({ templateId: 'north-small', action: 'failed', code: 'UNKNOWN_PROVIDER', message: expect.stringMatching(/^Template "north-small": providerName names "north"/) }),
    ]);
    await expect(host.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'x', providerName: ['west', 'west'] }) }))).rejects.toMatchObject({
      code: 'INVALID_PROVIDER_ROUTING',
      details: { templateId: 'x', key: 'providerName' },
    });
    expect(await host.commands.execute(ValidateTemplate.from({ template: templateInput({ templateId: 'y', providerName: 'north' }) }))).toMatchObject({
      valid: false,
      action: 'invalid',
      issues: [{ path: 'providerName', constraint: 'UNKNOWN_PROVIDER' }],
    });
  });

  it('fails over a request while one cloud refuses, and the request completes on the other', async () => {
    const clouds = twoClouds();
    const host = hostOn(clouds);
    await host.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'both', providerName: ['east', 'west'] }) }));
    clouds.east.refusing = true;
    const { requestId } = await host.commands.execute(RequestMachines.from({ templateId: 'both', machineCount: 2 }));
    const synced = await host.commands.execute(SyncRequest.from({ requestId }));
    expect(synced.status).toBe('completed');
    expect(synced.machineIds.every((id) => id.startsWith('west:'))).toBe(true);
    expect(clouds.east.inner.machines()).toEqual([]);
  });

  it('the reconciler returns abandoned machines to the cloud that owns each of them', async () => {
    const clouds = twoClouds();
    const host = hostOn(clouds);
    for (const name of ['east', 'west']) await host.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: `${name}-small`, providerName: name }) }));
    await host.commands.execute(RequestMachines.from({ templateId: 'east-small', machineCount: 2 }));
    await host.commands.execute(RequestMachines.from({ templateId: 'west-small', machineCount: 3 }));
    clouds.clock.advance({ minutes: 16 });
    expect(await host.commands.execute(Reconcile.from({}))).toMatchObject({ abandoned: 2, machinesReturned: 5, errors: 0 });
    const terminated = (cloud: TwoClouds['east']) => cloud.inner.callsTo('terminate').flatMap((c) => c.input.machineIds);
    expect(terminated(clouds.east).sort()).toEqual(clouds.east.inner.machines().map((m) => m.machineId).sort());
    expect(terminated(clouds.west).sort()).toEqual(clouds.west.inner.machines().map((m) => m.machineId).sort());
    expect(terminated(clouds.east)).toHaveLength(2);
    expect(terminated(clouds.west)).toHaveLength(3);
  });
});
