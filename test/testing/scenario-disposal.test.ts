// scenario() disposes the host factory it made once its last step settles, so a long suite of
// scenarios does not grow the heap or typedi's list of containers.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Container } from 'typedi';
import { describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { createTestHostFactory, scenario } from '../../src/testing';
import { templateInput } from '../support/templates';

/** typedi 0.10 keeps every `Container.of(id)` in a static list until `Container.reset(id)`; read it to count live containers. */
const liveContainers = (): number => (Container as unknown as { instances: unknown[] }).instances.length;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

describe('scenario() and the host factory it makes', () => {
  it('disposes it once the last step settled, passing or failing', async () => {
    const before = liveContainers();
    const passing = scenario().givenCommands(CreateTemplate.from({ template: templateInput() }));
    await passing.when(ListTemplates.from({})).thenResult((list) => list.length === 1);
    const failing = scenario();
    await expect(failing.when(RequestMachines.from({ templateId: 'none', machineCount: 1 })).then(['RequestCreated'])).rejects.toThrow(/TEMPLATE_NOT_FOUND/);
    expect(liveContainers()).toBe(before + 2);
    await nextTurn();
    expect(liveContainers()).toBe(before);
    // What the steps committed stays readable; a new step is refused with the fix.
    expect(passing.hostFactory.memory!.snapshotCounts().templates).toBe(1);
    expect(() => passing.when(ListTemplates.from({}))).toThrow(/disposed it once its last step settled.*scenario\(createTestHostFactory\(\)\)/);
  });

  it('keeps it across steps awaited one after another, and disposes after the last', async () => {
    const before = liveContainers();
    const s = scenario().givenCommands(CreateTemplate.from({ template: templateInput() }));
    await s.when(ListTemplates.from({})).thenResult((list) => list.length === 1);
    const { requestId } = (await s.when(RequestMachines.from({ templateId: 'small', machineCount: 1 })).outcome()).result!;
    expect(requestId).toMatch(/^req-/);
    await nextTurn();
    expect(liveContainers()).toBe(before);
  });

  it('never disposes a host factory it was given', async () => {
    const hf = createTestHostFactory();
    try {
      await scenario(hf).when(CreateTemplate.from({ template: templateInput() })).then(['TemplateCreated']);
      await nextTurn();
      await expect(hf.queries.execute(ListTemplates.from({}))).resolves.toHaveLength(1);
    } finally {
      hf.dispose();
    }
  });

  it('makes nothing for a scenario refused while being declared', () => {
    const before = liveContainers();
    expect(() => scenario().given(42 as never)).toThrow(/expected a command/);
    expect(liveContainers()).toBe(before);
  });

  it('leaves the heap and the typedi containers at their baseline after 1,000 scenarios', async () => {
    const run = () =>
      scenario()
        .givenCommands(CreateTemplate.from({ template: templateInput() }))
        .when(RequestMachines.from({ templateId: 'small', machineCount: 2 }))
        .then(['RequestCreated', 'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated', 'MachineCreated']);
    for (let i = 0; i < 50; i++) await run(); // warm up caches and compiled code
    await nextTurn();
    const containers = liveContainers();
    const heap = heapAfterGc();
    for (let i = 0; i < 1_000; i++) await run();
    await nextTurn();
    expect(liveContainers()).toBe(containers);
    // Undisposed, each host factory keeps about 60 KB: 1,000 of them would add some 60 MB.
    expect(heapAfterGc() - heap).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);
});
