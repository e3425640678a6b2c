import assert from 'node:assert/strict';
import type { CancelProvisionInput, CancelProvisionResult, ProviderMachine } from '../../application/provider/provider.port';
import type { MachineStatus } from '../../domain/machine/machine-status';
import { newRequestId, pause, provisionAndDescribe, type CaseContext, type ProviderCaseBody } from './cases';
import { checkCancelResult, checkMachines, show } from './checks';

/** Statuses in which a machine still runs: none may be left once a provision is cancelled. */
const ALIVE: readonly MachineStatus[] = ['pending', 'running', 'stopping', 'stopped', 'unknown'];

/** Calls `cancelProvision`, failing with the fix when the provider has none. */
async function cancel(ctx: CaseContext, input: CancelProvisionInput, what: string): Promise<CancelProvisionResult> {
  const { provider } = ctx;
  assert.ok(
    typeof provider.cancelProvision === 'function',
    'this case needs ProviderPort.cancelProvision (release what a provision started; see docs/ports.md): implement it, or pass cancel: false to skip the cancel cases',
  );
  let result: unknown;
  try {
    result = await provider.cancelProvision(input);
  } catch (error) {
    assert.fail(`${what} threw ${show(error instanceof Error ? error.message : error)}; cancelProvision must resolve, idempotently, whatever is left of the request`);
  }
  checkCancelResult(result, what);
  return result;
}

/** Describes the request until none of its machines is alive, or fails naming the survivors. */
async function expectNothingAlive(ctx: CaseContext, requestId: string, resourceIds: readonly string[], machineIds: readonly string[], what: string): Promise<void> {
  let alive: ProviderMachine[] = [];
  for (let attempt = 1; attempt <= ctx.describeAttempts; attempt += 1) {
    const machines = await ctx.provider.describe({ requestId, resourceIds, machineIds });
    checkMachines(machines, `describe #${attempt} ${what}`);
    ctx.track(machines.map((m) => m.machineId));
    alive = machines.filter((m) => ALIVE.includes(m.status));
    if (alive.length === 0) return;
    await pause(ctx.pollIntervalMs);
  }
  assert.fail(`${what}: after ${ctx.describeAttempts} describes these machines of ${requestId} still run: ${show(alive.map((m) => [m.machineId, m.status]))}`);
}

/** The cases of `cancelProvision`, by name (dropped with `cancel: false`). */
export const cancelCases: Record<string, ProviderCaseBody> = {
  'cancelProvision of a request the cloud never saw resolves and releases nothing': async (ctx) => {
    const result = await cancel(ctx, { requestId: newRequestId(), resourceIds: [], machineIds: [] }, 'cancelProvision of an unknown request');
    assert.deepEqual(result.released, [], `cancelProvision of a request the cloud never saw should release nothing, got ${show(result.released)}`);
  },

  'cancelProvision finds what provision started by request id alone and leaves nothing running': async (ctx) => {
    const { requestId, result, machines } = await provisionAndDescribe(ctx);
    // No handles: the process that provisioned may have died before recording them.
    await cancel(ctx, { requestId, resourceIds: [], machineIds: [] }, 'cancelProvision by request id alone');
    await expectNothingAlive(ctx, requestId, result.resourceIds, machines.map((m) => m.machineId), 'after cancelProvision by request id alone');
  },

  'cancelProvision is idempotent: a repeat resolves and nothing runs again': async (ctx) => {
    const { requestId, result, machines } = await provisionAndDescribe(ctx);
    const input = { requestId, resourceIds: result.resourceIds, machineIds: machines.map((m) => m.machineId) };
    await cancel(ctx, input, 'the first cancelProvision');
    await cancel(ctx, input, 'the second cancelProvision of the same request');
    await expectNothingAlive(ctx, requestId, input.resourceIds, input.machineIds, 'after two cancelProvision calls');
  },
};
