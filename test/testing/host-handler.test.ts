// The walkthrough of docs/testing.md, section 2: a host's own handler that uses the buses.
import { Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import { GetRequestStatus } from '../../src/application/requests/request.queries';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { Command, COMMAND_BUS, CommandBus, commandHandler, type CommandHandler } from '../../src/kernel';
import { createTestHostFactory, scenario } from '../../src/testing';

interface PoolPolicy {
  readonly templateId: string;
  readonly batch: number;
}
const POOL_POLICY = new Token<PoolPolicy>('example.pool-policy');

/** Asks for one batch of machines of the pool's template; resolves to the request id. */
class GrowPool extends Command<string> {}

@commandHandler(GrowPool, { inject: [POOL_POLICY, COMMAND_BUS] })
class GrowPoolHandler implements CommandHandler<GrowPool> {
  constructor(
    private readonly policy: PoolPolicy,
    private readonly commands: CommandBus,
  ) {}

  async handle(): Promise<string> {
    const { requestId } = await this.commands.execute(RequestMachines.from({ templateId: this.policy.templateId, machineCount: this.policy.batch }));
    return requestId;
  }
}

const template = { templateId: 'pool', maxNumber: 4, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.small' };

describe('a host handler that uses the buses (docs/testing.md)', () => {
  it('requests a batch of the policy template', async () => {
    const hf = createTestHostFactory({ handlers: [GrowPoolHandler] });
    hf.container.set(POOL_POLICY, { templateId: 'pool', batch: 3 });
    hf.verify();

    const { result } = await scenario(hf)
      .givenCommands(CreateTemplate.from({ template }))
      .when(new GrowPool())
      .then([{ type: 'RequestCreated', data: { request: { templateId: 'pool' } } }, 'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated', 'MachineCreated', 'MachineCreated']);
    expect(hf.fake!.callsTo('provision')[0]?.input.count).toBe(3);
    expect((await hf.queries.execute(GetRequestStatus.from({ requestId: result! }))).status).toBe('in_progress');
  });

  it('fails when the pool would exceed the template', async () => {
    const hf = createTestHostFactory({ handlers: [GrowPoolHandler] });
    hf.container.set(POOL_POLICY, { templateId: 'pool', batch: 5 });
    await scenario(hf).givenCommands(CreateTemplate.from({ template })).when(new GrowPool()).thenThrows('TEMPLATE_CAPACITY_EXCEEDED');
  });
});
