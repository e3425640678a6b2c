import { afterEach, describe, expect, it } from 'vitest';
import { GetMachine, ListMachines } from '../../src/application/machines/machine.queries';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import type { TestHostFactory } from '../../src/testing';
import { rejection, request, sync, templateInput, withTemplate } from './support';

/*
 * GetMachine and ListMachines (issue 32: survivors of src/application/machines): an unknown id is
 * MACHINE_NOT_FOUND; each filter narrows the list only when given; limit and offset page it.
 */
let hf: TestHostFactory;
afterEach(() => hf?.dispose());

/** Two running machines of `small` (request `running`) and one pending machine of `large` (request `pending`). */
async function twoTemplates() {
  hf = await withTemplate();
  await hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'large', vmType: 't3.large' }) }));
  const running = await request(hf, 2);
  await sync(hf, running);
  const pending = await request(hf, 1, 'large');
  return { running, pending };
}

describe('GetMachine', () => {
  it('answers MACHINE_NOT_FOUND naming an id no machine has', async () => {
    hf = await withTemplate();
    const error = await rejection(hf.queries.execute(GetMachine.from({ machineId: 'i-nobody' })));
    expect(error.code).toBe('MACHINE_NOT_FOUND');
    expect(error.message).toContain('i-nobody');
  });

  it('keeps the reason the provider gave for a machine it reported for the first time', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { immediate: true, fail: { message: 'InsufficientInstanceCapacity in us-east-1a' } });
    const requestId = await request(hf, 1);
    const [machineId] = hf.fake!.machines(requestId).map((m) => m.machineId);
    const machine = await hf.queries.execute(GetMachine.from({ machineId: machineId! }));
    expect([machine.status, machine.statusReason]).toEqual(['failed', 'InsufficientInstanceCapacity in us-east-1a']);
  });
});

describe('ListMachines', () => {
  it('lists the machines of every request when no filter is given', async () => {
    const { running, pending } = await twoTemplates();
    const page = await hf.queries.execute(ListMachines.from({}));
    expect(page.total).toBe(3);
    expect(new Set(page.items.map((m) => m.requestId))).toEqual(new Set([running, pending]));
  });

  it('filters by request, template and status, each only when given', async () => {
    const { running, pending } = await twoTemplates();
    const byRequest = await hf.queries.execute(ListMachines.from({ requestId: running }));
    expect(byRequest.items.map((m) => m.requestId)).toEqual([running, running]);
    const byTemplate = await hf.queries.execute(ListMachines.from({ templateId: 'large' }));
    expect(byTemplate.items.map((m) => [m.templateId, m.requestId])).toEqual([['large', pending]]);
    const byStatus = await hf.queries.execute(ListMachines.from({ status: 'pending' }));
    expect(byStatus.items.map((m) => [m.status, m.requestId])).toEqual([['pending', pending]]);
    expect((await hf.queries.execute(ListMachines.from({ status: 'running' }))).total).toBe(2);
  });

  it('pages by the limit and offset given', async () => {
    await twoTemplates();
    const all = (await hf.queries.execute(ListMachines.from({}))).items.map((m) => m.machineId);
    expect(all).toHaveLength(3);
    const first = await hf.queries.execute(ListMachines.from({ limit: 1 }));
    expect([first.total, first.items.map((m) => m.machineId)]).toEqual([3, all.slice(0, 1)]);
    const rest = await hf.queries.execute(ListMachines.from({ offset: 1 }));
    expect(rest.items.map((m) => m.machineId)).toEqual(all.slice(1));
  });
});
