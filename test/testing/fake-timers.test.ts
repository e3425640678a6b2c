// The kit's own waiting runs on Node's real timers, so a test that fakes time (vitest's and Jest's
// fake timers, node:test's mock timers) neither hangs the contract suites nor loses settle()'s
// TIMEOUT diagnostic. Jest and node:test are covered by the runner fixtures (test/runners).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, providerContract, scenario, storageContract } from '../../src/testing';
import { templateInput } from '../support/templates';

/** A fake cloud whose first describe of each request sees none of its machines yet. */
class EventuallyConsistent extends FakeProvider {
  readonly #seen = new Set<string>();
  override async describe(input: Parameters<FakeProvider['describe']>[0]): ReturnType<FakeProvider['describe']> {
    if (this.#seen.has(input.requestId)) return super.describe(input);
    this.#seen.add(input.requestId);
    return [];
  }
}

beforeEach(() => {
  // Everything sinon's fake timers can fake, the event-loop turn and the monotonic clock included.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the test kit under fake timers', () => {
  it('fakes what these tests rely on being faked', async () => {
    let fired = false;
    setImmediate(() => (fired = true));
    await Promise.resolve();
    expect([fired, vi.getTimerCount() > 0]).toEqual([false, true]);
  });

  it('settle() still reports TIMEOUT, listing the command in flight', async () => {
    const hf = createTestHostFactory();
    try {
      hf.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } });
      await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
      const hung = hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 })).catch(() => undefined);
      await expect(hf.settle({ timeoutMs: 50 })).rejects.toMatchObject({
        code: 'TIMEOUT',
        message: expect.stringMatching(/settle\(\) timed out after 50 ms \(\d+ ms elapsed\); still pending:\n {2}- command RequestMachines \(in flight for \d+ ms\)/),
      });
      hf.dispose();
      await hung;
    } finally {
      hf.dispose();
    }
  }, 3_000);

  it('runs a scenario to its verdict, and fails a step that hangs with TIMEOUT', async () => {
    await scenario()
      .givenCommands(CreateTemplate.from({ template: templateInput() }))
      .when(RequestMachines.from({ templateId: 'small', machineCount: 1 }))
      .then(['RequestCreated', 'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated']);
    const hanging = scenario({}, { timeoutMs: 50 })
      .givenCommands(CreateTemplate.from({ template: templateInput() }))
      .given((hf) => void hf.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } }));
    await expect(hanging.when(RequestMachines.from({ templateId: 'small', machineCount: 1 })).then(['RequestCreated'])).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('command RequestMachines (in flight for'),
    });
  }, 3_000);

  it('passes every storage-contract case on the in-memory storage', async () => {
    const failures: string[] = [];
    for (const contractCase of storageContract({ name: 'in-memory', create: () => createInMemoryStorage() })) {
      await contractCase.run().catch((error: Error) => failures.push(`${contractCase.name}: ${error.message}`));
    }
    expect(failures).toEqual([]);
  }, 10_000);

  it('passes every provider-contract case on an eventually consistent cloud, waiting between describes', async () => {
    const failures: string[] = [];
    const cases = providerContract({ name: 'eventually consistent fake', create: () => new EventuallyConsistent(), faults: false, pollIntervalMs: 5 });
    for (const contractCase of cases) {
      await contractCase.run().catch((error: Error) => failures.push(`${contractCase.name}: ${error.message}`));
    }
    expect(failures).toEqual([]);
  }, 10_000);
});
