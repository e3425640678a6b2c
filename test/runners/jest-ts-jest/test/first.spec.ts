import { afterEach, describe, expect, it } from '@jest/globals';
import { CreateTemplate, RequestMachines } from 'hostfactory-kernel';
import { createInMemoryStorage, createTestHostFactory, runStorageContract, scenario, type TestHostFactory } from 'hostfactory-kernel/testing';

const template = { templateId: 'small', maxNumber: 4, vmType: 't3.small',
  attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] } };

let hf: TestHostFactory | undefined;
afterEach(() => hf?.dispose()); // each test host factory owns a typedi container: release it

it('admits a request within the template capacity', async () => {
  hf = createTestHostFactory();
  await scenario(hf)
    .givenCommands(CreateTemplate.from({ template }))
    .when(RequestMachines.from({ templateId: 'small', machineCount: 2 }))
    .then([{ type: 'RequestCreated', aggregateId: expect.stringMatching(/^req-/) },
           'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated', 'MachineCreated']);
  expect(hf.fake!.callsTo('provision')).toHaveLength(1);
});

runStorageContract({ name: 'in-memory storage', create: createInMemoryStorage }, { describe, it });
