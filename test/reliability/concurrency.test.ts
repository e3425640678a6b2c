import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelRequest, RequestMachines, RequestReturnMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { ListRequests } from '../../src/application/requests/request.queries';
import { TERMINAL_REQUEST_STATUSES } from '../../src/domain/request/request-status';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { historyProblems, machineProblems, readCommitted, readSide, rebuiltReadSide } from './invariants';
import { bump, clearErrorCode, recordFigures, scale } from './support';
import { templateInput } from '../support/templates';

const TEMPLATE = templateInput({ maxNumber: 200 });

/** Errors a racing command may legitimately end with; anything else fails the run. */
const EXPECTED_CODES = new Set(['CONCURRENCY_CONFLICT', 'INVALID_REQUEST_STATE_TRANSITION', 'MACHINE_NOT_FOUND']);

const ROUNDS = scale(12, 200);
const outcomes = new Map<string, number>();
let commands = 0;
let maxParallel = 0;
const started = performance.now();

type Op = { readonly kind: 'sync' | 'cancel' | 'return'; readonly target: number; readonly machines: readonly number[]; readonly byName: boolean };

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('sync' as const, 'sync' as const, 'cancel' as const, 'return' as const),
  target: fc.nat({ max: 3 }),
  machines: fc.uniqueArray(fc.nat({ max: 11 }), { minLength: 1, maxLength: 4 }),
  byName: fc.boolean(),
});

async function run(hf: TestHostFactory, requestIds: readonly string[], o: Op): Promise<unknown> {
  const requestId = requestIds[o.target]!;
  if (o.kind === 'sync') return hf.commands.execute(SyncRequest.from({ requestId }));
  if (o.kind === 'cancel') return hf.commands.execute(CancelRequest.from({ requestId, reason: 'race' }));
  const all = hf.fake!.machines();
  const machines = o.machines.flatMap((i) => {
    const m = all[i];
    if (m === undefined) return [];
    return [o.byName && m.name !== null ? { name: m.name } : { machineId: m.machineId }];
  });
  if (machines.length === 0) return undefined;
  return hf.commands.execute(RequestReturnMachines.from({ machines }));
}

async function settleEverything(hf: TestHostFactory): Promise<void> {
  for (let round = 0; round < 12; round++) {
    const open = (await hf.queries.execute(ListRequests.from({ limit: 1000 }))).items.filter((r) => !TERMINAL_REQUEST_STATUSES.includes(r.status));
    if (open.length === 0) break;
    await Promise.allSettled(open.map((r) => hf.commands.execute(SyncRequest.from({ requestId: r.requestId }))));
  }
  await hf.settle();
}

describe('concurrency', () => {
  afterAll(() => {
    recordFigures('concurrency', { rounds: ROUNDS, commands, maxParallel, outcomes: Object.fromEntries(outcomes), durationMs: Math.round(performance.now() - started) });
  });

  it('parallel SyncRequest, CancelRequest and RequestReturnMachines on the same requests and machines leave a legal, complete state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 8, maxLength: 40 }), { minLength: 1, maxLength: 3 }), fc.nat({ max: 4 }), async (waves, slowness) => {
        const hf = createTestHostFactory();
        try {
          hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: slowness, terminateAfterSyncs: slowness });
          await hf.commands.execute(CreateTemplate.from({ template: TEMPLATE }));
          const requestIds: string[] = [];
          for (let i = 0; i < 4; i++) requestIds.push((await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 3 }))).requestId);
          for (const wave of waves) {
            maxParallel = Math.max(maxParallel, wave.length);
            const results = await Promise.allSettled(wave.map((o) => run(hf, requestIds, o)));
            commands += wave.length;
            results.forEach((result, i) => {
              const kind = wave[i]!.kind;
              if (result.status === 'fulfilled') return bump(outcomes, `${kind}: ok`);
              const code = clearErrorCode(result.reason);
              if (!EXPECTED_CODES.has(code)) throw new Error(`${kind} failed with an unexpected ${code}: ${(result.reason as Error).message}`);
              bump(outcomes, `${kind}: ${code}`);
            });
          }
          await settleEverything(hf);
          const state = await readCommitted(hf.memory!);
          expect(historyProblems(state)).toEqual([]);
          expect(machineProblems(state, hf.fake!)).toEqual([]);
          expect(await readSide(hf)).toEqual(await rebuiltReadSide(hf));
        } finally {
          hf.dispose();
        }
      }),
      { numRuns: ROUNDS },
    );
  });

  it('many parallel returns of the same machines claim each machine once and terminate it once', async () => {
    const hf = createTestHostFactory();
    try {
      hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 2, terminateAfterSyncs: 2 });
      await hf.commands.execute(CreateTemplate.from({ template: TEMPLATE }));
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 5 }));
      await hf.commands.execute(SyncRequest.from({ requestId }));
      await hf.commands.execute(SyncRequest.from({ requestId }));
      const machines = hf.fake!.machines(requestId).map((m) => ({ machineId: m.machineId }));
      const width = scale(50, 500);
      const results = await Promise.allSettled(Array.from({ length: width }, () => hf.commands.execute(RequestReturnMachines.from({ machines }))));
      commands += width;
      for (const result of results) if (result.status === 'rejected') expect(EXPECTED_CODES.has(clearErrorCode(result.reason))).toBe(true);
      const returnIds = new Set(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.requestId] : [])));
      expect(returnIds.size).toBe(1);
      for (const m of machines) expect(hf.fake!.terminateCount(m.machineId)).toBe(1);
      await settleEverything(hf);
      const state = await readCommitted(hf.memory!);
      expect(historyProblems(state)).toEqual([]);
      expect(machineProblems(state, hf.fake!)).toEqual([]);
    } finally {
      hf.dispose();
    }
  });
});
