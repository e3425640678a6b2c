// The suite every runner fixture runs (test/runners/*): the test kit as a host team uses it. Each
// fixture passes its runner's describe/it/afterEach; assertions use node:assert, so the suite
// itself is runner-neutral. Copied next to each fixture's spec file when the fixture runs.
import assert from 'node:assert/strict';
import * as timers from 'node:timers';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IsInt, IsString, Min } from 'class-validator';
import { Container, Token } from 'typedi';
import { Command, commandHandler, CreateTemplate, eventHandler, GetRequestStatus, isKernelError, RequestMachines, SyncRequest, type CommandHandler, type EventHandler } from 'hostfactory-kernel';
import { COMMAND_BUS, type CommandBus } from 'hostfactory-kernel/kernel';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, runProviderContract, runStorageContract, scenario, type TestHostFactory } from 'hostfactory-kernel/testing';

/** What a runner lends the suite. */
export interface SuiteRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
  afterEach(body: () => void): unknown;
}

export const template = {
  templateId: 'small',
  maxNumber: 4,
  vmType: 't3.small',
  attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] },
};

const GREETING = new Token<string>('fixture.greeting');
const AUDIT = new Token<string[]>('fixture.audit');

/** A custom command of the host: validated fields, a typed result. */
export class GrowPool extends Command<string> {
  @IsString() templateId!: string;
  @IsInt() @Min(1) batch!: number;
}

// `inject` names the dependencies, so no build needs design:paramtypes metadata (tsx and esbuild drop it).
@commandHandler(GrowPool, { inject: [COMMAND_BUS, GREETING] })
export class GrowPoolHandler implements CommandHandler<GrowPool> {
  constructor(
    private readonly commands: CommandBus,
    private readonly greeting: string,
  ) {}
  async handle(command: GrowPool): Promise<string> {
    const { requestId } = await this.commands.execute(RequestMachines.from({ templateId: command.templateId, machineCount: command.batch }));
    return `${this.greeting} ${requestId}`;
  }
}

@eventHandler('RequestCreated', { inject: [AUDIT] })
export class AuditRequests implements EventHandler {
  constructor(private readonly audit: string[]) {}
  handle(event: { type: string; aggregateId: string }): void {
    this.audit.push(`${event.type} ${event.aggregateId}`);
  }
}

// The runner may fake setImmediate; the leak check waits for the kit's deferred disposal on the real one.
const setImmediateReal = timers.setImmediate;

/** typedi 0.10 keeps every `Container.of(id)` in a static list until it is reset: the leak check counts it. */
const liveContainers = (): number => (Container as unknown as { instances: unknown[] }).instances.length;

export function kitSuite({ describe, it, afterEach }: SuiteRunner): void {
  const made: TestHostFactory[] = [];
  const create = (): TestHostFactory => {
    const hf = createTestHostFactory({ handlers: [GrowPoolHandler, AuditRequests] });
    hf.container.set(GREETING, 'grown');
    hf.container.set(AUDIT, []);
    made.push(hf);
    return hf;
  };
  afterEach(() => made.splice(0).forEach((hf) => hf.dispose()));

  describe('the test kit', () => {
    it('runs a custom command whose handler names its dependencies with inject', async () => {
      const hf = create();
      hf.verify();
      await hf.commands.execute(CreateTemplate.from({ template }));
      const answer: string = await hf.commands.execute(GrowPool.from({ templateId: 'small', batch: 2 }));
      assert.match(answer, /^grown req-/);
      assert.equal(hf.fake!.callsTo('provision')[0]?.input.count, 2);
    });

    it('runs a request cycle on the fake cloud and the manual clock', async () => {
      const hf = create();
      hf.fake!.script({ templateId: 'small' }, { bootAfterMs: 60_000 });
      await hf.commands.execute(CreateTemplate.from({ template }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }));
      await hf.commands.execute(SyncRequest.from({ requestId }));
      assert.equal((await hf.queries.execute(GetRequestStatus.from({ requestId }))).status, 'in_progress');
      hf.advance({ minutes: 1 });
      await hf.commands.execute(SyncRequest.from({ requestId }));
      await hf.settle();
      const status = await hf.queries.execute(GetRequestStatus.from({ requestId }));
      assert.equal(status.status, 'completed');
      assert.deepEqual(status.machines.map((m) => m.result), ['succeed', 'succeed']);
    });

    it('judges a scenario', async () => {
      await scenario()
        .givenCommands(CreateTemplate.from({ template }))
        .when(RequestMachines.from({ templateId: 'small', machineCount: 5 }))
        .thenThrows('TEMPLATE_CAPACITY_EXCEEDED');
      await scenario(create())
        .givenCommands(CreateTemplate.from({ template }))
        .when(GrowPool.from({ templateId: 'small', batch: 1 }))
        .then([{ type: 'RequestCreated', data: { request: { templateId: 'small' } } }, 'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated']);
    });

    it('refuses a command with VALIDATION_FAILED naming the field', async () => {
      const hf = create();
      // From JSON: Command.from validates at once.
      assert.throws(
        () => GrowPool.from({ templateId: 'small', batch: 0 }),
        (error: unknown) => isKernelError(error, 'VALIDATION_FAILED') && /batch must not be less than 1/.test(error.message),
      );
      // Built in code: the command bus validates before any handler runs.
      const command = Object.assign(new GrowPool(), { templateId: 'small', batch: 0 });
      await assert.rejects(hf.commands.execute(command), (error: unknown) => isKernelError(error, 'VALIDATION_FAILED') && /batch/.test(error.message));
      assert.equal(hf.fake!.callsTo('provision').length, 0);
    });

    it('delivers committed events to an event handler', async () => {
      const hf = create();
      await hf.commands.execute(CreateTemplate.from({ template }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
      await hf.settle();
      assert.deepEqual(hf.container.get(AUDIT), [`RequestCreated ${requestId}`]);
    });

    it('reports TIMEOUT from settle() naming what hangs, whatever the runner does to timers', async () => {
      const hf = create();
      hf.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } });
      await hf.commands.execute(CreateTemplate.from({ template }));
      const hung = hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 })).catch(() => undefined);
      await assert.rejects(hf.settle({ timeoutMs: 50 }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TIMEOUT');
        assert.match(error.message, /command RequestMachines \(in flight for/);
        return true;
      });
      hf.dispose();
      await hung;
    });

    it('leaves typedi containers and the heap at their baseline after 1,000 scenarios', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const heap = () => {
        for (let i = 0; i < 3; i++) gc();
        return process.memoryUsage().heapUsed;
      };
      const nextTurn = () => new Promise<void>((resolve) => setImmediateReal(resolve));
      const one = () =>
        scenario()
          .givenCommands(CreateTemplate.from({ template }))
          .when(RequestMachines.from({ templateId: 'small', machineCount: 1 }))
          .then(['RequestCreated', 'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated']);
      for (let i = 0; i < 50; i++) await one();
      await nextTurn();
      const containers = liveContainers();
      const before = heap();
      for (let i = 0; i < 1_000; i++) await one();
      await nextTurn();
      assert.equal(liveContainers(), containers);
      const grown = heap() - before;
      assert.ok(grown < 16 * 1024 * 1024, `the heap grew by ${Math.round(grown / 1024 / 1024)} MB over 1,000 scenarios`);
    });
  });

  runStorageContract({ name: 'in-memory storage', create: createInMemoryStorage }, { describe, it });
  runProviderContract({ name: 'fake provider', create: () => new FakeProvider(), faults: false }, { describe, it });
}
