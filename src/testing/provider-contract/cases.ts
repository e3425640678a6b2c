import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ProviderMachine, ProviderPort, ProvisionResult } from '../../application/provider/provider.port';
import type { TemplateSnapshot } from '../../domain/template/template';
import { sleep } from '../real-timers';
import { checkError, checkMachines, checkProvisionResult, checkReclaimNotices, checkTerminateResult, show } from './checks';

/** What a case body gets: the provider under test and the resolved options. */
export interface CaseContext {
  readonly provider: ProviderPort;
  readonly template: TemplateSnapshot;
  readonly count: number;
  readonly describeAttempts: number;
  readonly pollIntervalMs: number;
  readonly failingTemplate: TemplateSnapshot | undefined;
  readonly scheduleReclaim: ((machineId: string) => void | Promise<void>) | undefined;
  /** Remembers machines to terminate after the case (so a real cloud is left clean). */
  track(machineIds: readonly string[]): void;
}

/** A contract case body. */
export type ProviderCaseBody = (ctx: CaseContext) => Promise<void>;

const UNKNOWN_MACHINE = 'i-contract-never-created-0001';

/** A fresh acquire request id. Random on purpose: a real cloud may keep idempotency tokens across runs. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** Waits `ms` of real time, fake timers or not. */
export async function pause(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
}

export interface Provisioned {
  readonly requestId: string;
  readonly result: ProvisionResult;
  readonly machines: ProviderMachine[];
}

/** Provisions `count` units and describes until every machine provision reported (and at least one) is described. */
export async function provisionAndDescribe(ctx: CaseContext): Promise<Provisioned> {
  const requestId = newRequestId();
  const result = await ctx.provider.provision({ requestId, template: ctx.template, count: ctx.count, tags: { contract: 'provider' } });
  checkProvisionResult(result, 'provision');
  ctx.track(result.machines.map((m) => m.machineId));
  const expected = result.machines.map((m) => m.machineId);
  let machines: ProviderMachine[] = [];
  for (let attempt = 1; attempt <= ctx.describeAttempts; attempt += 1) {
    machines = await ctx.provider.describe({ requestId, resourceIds: result.resourceIds, machineIds: expected });
    checkMachines(machines, `describe #${attempt} after provision`);
    ctx.track(machines.map((m) => m.machineId));
    const ids = machines.map((m) => m.machineId);
    if (machines.length > 0 && expected.every((id) => ids.includes(id))) return { requestId, result, machines };
    await pause(ctx.pollIntervalMs);
  }
  const ids = machines.map((m) => m.machineId);
  assert.fail(
    `describe after provision: after ${ctx.describeAttempts} describes the machines provision reported should all be described ` +
      `(and at least one), missing ${show(expected.filter((id) => !ids.includes(id)))}, described ${show(ids)}`,
  );
}

/** Every case except the fault cases, by name. */
export const shapeCases: Record<string, ProviderCaseBody> = {
  'provision resolves to string resource ids and well-formed machines': async (ctx) => {
    const requestId = newRequestId();
    const result = await ctx.provider.provision({ requestId, template: ctx.template, count: ctx.count, tags: {} });
    checkProvisionResult(result, 'provision');
    ctx.track(result.machines.map((m) => m.machineId));
  },

  'describe returns every machine provision reported, each well-formed': async (ctx) => {
    const { machines } = await provisionAndDescribe(ctx);
    assert.ok(machines.length <= ctx.count, `describe returned ${machines.length} machines for a provision of ${ctx.count} units (each machine is at least one unit)`);
  },

  'provision is idempotent per requestId: a repeat creates nothing new': async (ctx) => {
    const first = await provisionAndDescribe(ctx);
    const again = await ctx.provider.provision({ requestId: first.requestId, template: ctx.template, count: ctx.count, tags: { contract: 'provider' } });
    checkProvisionResult(again, 'the second provision of the same request');
    ctx.track(again.machines.map((m) => m.machineId));
    assert.deepEqual(
      [...again.resourceIds].sort(),
      [...first.result.resourceIds].sort(),
      `the second provision of ${first.requestId} should return the same resource ids (provision must be idempotent per requestId)`,
    );
    const described = await ctx.provider.describe({ requestId: first.requestId, resourceIds: again.resourceIds, machineIds: [] });
    checkMachines(described, 'describe after the second provision');
    ctx.track(described.map((m) => m.machineId));
    assert.ok(
      described.length <= ctx.count,
      `after provisioning ${ctx.count} units twice for one request, describe shows ${described.length} machines ${show(described.map((m) => m.machineId))}: the repeat created machines`,
    );
  },

  'describe of unknown machine ids neither throws nor returns them': async (ctx) => {
    const unprovisioned = await ctx.provider.describe({ requestId: newRequestId(), resourceIds: [], machineIds: [UNKNOWN_MACHINE] });
    checkMachines(unprovisioned, 'describe of an unknown machine for an unknown request');
    assert.ok(!unprovisioned.some((m) => m.machineId === UNKNOWN_MACHINE), `describe returned the unknown machine ${UNKNOWN_MACHINE}: ${show(unprovisioned)}`);
    const { requestId, result, machines } = await provisionAndDescribe(ctx);
    const ids = [...machines.map((m) => m.machineId), UNKNOWN_MACHINE];
    const mixed = await ctx.provider.describe({ requestId, resourceIds: result.resourceIds, machineIds: ids });
    checkMachines(mixed, 'describe naming known and unknown machines');
    assert.ok(!mixed.some((m) => m.machineId === UNKNOWN_MACHINE), `describe returned the unknown machine ${UNKNOWN_MACHINE} next to known ones: ${show(mixed)}`);
    for (const machine of machines) {
      assert.ok(mixed.some((m) => m.machineId === machine.machineId), `naming an unknown id made describe drop the known machine ${machine.machineId}`);
    }
  },

  'terminate reports every named machine once, accepted or failed with a message': async (ctx) => {
    const { requestId, machines } = await provisionAndDescribe(ctx);
    const ids = machines.map((m) => m.machineId);
    checkTerminateResult(await ctx.provider.terminate({ requestId, machineIds: ids }), ids, 'terminate');
  },

  'terminate is idempotent: a second call for the same machines accepts the same set': async (ctx) => {
    const { requestId, machines } = await provisionAndDescribe(ctx);
    const ids = machines.map((m) => m.machineId);
    const first = await ctx.provider.terminate({ requestId, machineIds: ids });
    checkTerminateResult(first, ids, 'the first terminate');
    let second: unknown;
    try {
      second = await ctx.provider.terminate({ requestId, machineIds: ids });
    } catch (error) {
      assert.fail(
        `terminate is not idempotent: the second call for the same machines threw ${show(error instanceof Error ? error.message : error)}; ` +
          'machines already terminating or terminated must count as accepted',
      );
    }
    checkTerminateResult(second, ids, 'the second terminate');
    assert.deepEqual(
      [...second.accepted].sort(),
      [...first.accepted].sort(),
      'terminate is not idempotent: the second call for the same machines should accept exactly what the first accepted',
    );
  },

  'terminate accepts machine ids the cloud does not know (already gone)': async (ctx) => {
    let result: unknown;
    try {
      result = await ctx.provider.terminate({ requestId: newRequestId(), machineIds: [UNKNOWN_MACHINE] });
    } catch (error) {
      assert.fail(`terminate of an unknown machine threw ${show(error instanceof Error ? error.message : error)}; a machine that is already gone counts as accepted`);
    }
    checkTerminateResult(result, [UNKNOWN_MACHINE], 'terminate of an unknown machine');
    assert.deepEqual(result.accepted, [UNKNOWN_MACHINE], `terminate of an unknown machine should accept it (already gone), got ${show(result)}`);
  },

  'reclaimNotices resolves to notices with a machine id and a grace period ≥ 0': async (ctx) => {
    let expected: string | undefined;
    if (ctx.scheduleReclaim !== undefined) {
      const { machines } = await provisionAndDescribe(ctx);
      expected = machines[0]?.machineId;
      if (expected !== undefined) await ctx.scheduleReclaim(expected);
    }
    const notices = await ctx.provider.reclaimNotices();
    checkReclaimNotices(notices, 'reclaimNotices');
    if (expected !== undefined) {
      assert.ok(notices.some((n) => n.machineId === expected), `reclaimNotices should list ${expected} after scheduleReclaim, got ${show(notices)}`);
    }
  },
};

/** Cases that need the provider to fail on purpose (`failingTemplate`); dropped with `faults: false`. */
export const faultCases: Record<string, ProviderCaseBody> = {
  'a failing provision rejects with an Error carrying a message': async (ctx) => {
    assert.ok(
      ctx.failingTemplate !== undefined,
      'this case needs a template the provider cannot provision: return { provider, failingTemplate } from create(), or pass faults: false to skip fault cases',
    );
    const requestId = newRequestId();
    let outcome: { error: unknown } | undefined;
    try {
      const result = await ctx.provider.provision({ requestId, template: ctx.failingTemplate, count: 1, tags: {} });
      ctx.track(result.machines.map((m) => m.machineId));
    } catch (error) {
      outcome = { error };
    }
    assert.ok(outcome !== undefined, `provision of the failing template "${ctx.failingTemplate.templateId}" should reject, but it resolved`);
    checkError(outcome.error, 'provision of the failing template');
  },
};
