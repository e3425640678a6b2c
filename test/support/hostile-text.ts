import { expect, it } from 'vitest';
import {
  CancelRequest,
  CreateTemplate,
  GetMachine,
  GetRequest,
  Reconcile,
  RequestMachines,
  RequestReturnMachines,
  SyncRequest,
  createHostFactory,
  isKernelError,
  type HostFactory,
  type ProviderMachine,
  type ProviderPort,
  type Storage,
} from '../../src/index';
import { normaliseMachineId, TEXT_LIMITS, textProblem } from '../../src/storage/index';
import { ManualClock, sequentialIds } from '../../src/testing/index';
import { templateInput } from './templates';

/*
 * The one rule for text (docs/domain.md, "Text") through the surfaces where it was broken, for any
 * storage: a cloud reporting text PostgreSQL cannot store (NUL, lone surrogates, names past the
 * btree limit) is recorded normalised, never a failed transaction; a host's text breaking the rule
 * is VALIDATION_FAILED naming the field, on every adapter alike; text at every limit round-trips.
 */

const ASTRAL = '\u{1F600}';
/** Backslashes, quotes and newlines: what a server reading literals with backslash escapes corrupts. */
export const TRICKY = `a\\b \\' '' "q" \\n\n\r\t \\u0041 ${ASTRAL} \u2028 \uFFFD end\\`;

/** Ids a hostile cloud reports: two that normalise to the same text, one holding U+FFFD already, one far past the limit. */
export const HOSTILE_IDS = ['i-1\u0000', 'i-1\uD800', 'i-1\uFFFD', `i-${ASTRAL.repeat(3000)}`];

function hostileFacts(machineId: string): ProviderMachine {
  return {
    machineId,
    status: 'running',
    statusReason: `reason\u0000\uDC00 ${TRICKY} ${'é'.repeat(3000)}`,
    name: `host\u0000${ASTRAL.repeat(1000)}`,
    instanceType: 'm5\uDC00.large',
    resourceId: 'fleet-\u0000',
    cloudHostId: `h-${'x'.repeat(5000)}`,
    instanceTags: { 'team\u0000': 'a\uD800', 'team\uD800': 'second', [`k${'k'.repeat(300)}`]: 'v'.repeat(3000), [TRICKY.slice(0, 100)]: TRICKY },
  };
}

/** A cloud answering every call with hostile text, and recording the ids it is asked to terminate. */
export function hostileCloud(): ProviderPort & { terminated: string[] } {
  const terminated: string[] = [];
  return {
    terminated,
    async provision() {
      return { resourceIds: ['fleet-\u0000', 'fleet-\uD800', `fleet-${'f'.repeat(4000)}`], machines: HOSTILE_IDS.map((id) => ({ ...hostileFacts(id), status: 'pending' as const })) };
    },
    async describe() {
      return HOSTILE_IDS.map(hostileFacts);
    },
    async terminate({ machineIds }) {
      terminated.push(...machineIds);
      const [first, ...rest] = machineIds;
      return { accepted: rest, failed: first === undefined ? [] : [{ machineId: first, message: `refused\u0000 ${TRICKY} ${'z'.repeat(5000)}` }] };
    },
    async reclaimNotices() {
      return [];
    },
  };
}

async function issuesOf(call: () => Promise<unknown>): Promise<string[]> {
  try {
    await call();
  } catch (error) {
    if (!isKernelError(error, 'VALIDATION_FAILED')) throw error;
    return (error as unknown as { issues: { path: string }[] }).issues.map((issue) => issue.path);
  }
  throw new Error('expected VALIDATION_FAILED, but the call succeeded');
}

/** Every string inside `value`, keys included. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) out.push(key), stringsIn(item, out);
  return out;
}

/**
 * Declares the hostile-text cases (vitest `it`s) for the storage `create` gives (a fresh, empty
 * one per case); `dispose` runs after each case.
 */
export function hostileTextCases(create: () => Promise<Storage>, dispose: (storage: Storage) => Promise<void> | void = () => undefined): void {
  async function withFactory(provider: ProviderPort, body: (hf: HostFactory, storage: Storage) => Promise<void>, clock = new ManualClock()): Promise<void> {
    const storage = await create();
    const hf = createHostFactory({ storage, provider, ids: sequentialIds(), clock });
    try {
      await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
      await body(hf, storage);
    } finally {
      hf.dispose();
      await dispose(storage);
    }
  }

  it('records a cloud\'s unstorable text normalised: ids unique and stable, the request completes, the return reaches the cloud', async () => {
    const cloud = hostileCloud();
    await withFactory(cloud, async (hf, storage) => {
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 4 }));
      const done = await hf.commands.execute(SyncRequest.from({ requestId }));
      expect(done.status).toBe('completed');
      const expectedIds = HOSTILE_IDS.map(normaliseMachineId);
      expect(new Set(expectedIds).size).toBe(HOSTILE_IDS.length);
      expect([...done.machineIds].sort()).toEqual([...expectedIds].sort());
      expect(done.resourceIds).toHaveLength(3);

      // Synchronising again (the same hostile answer) changes nothing and fails nothing.
      expect((await hf.commands.execute(SyncRequest.from({ requestId }))).version).toBe(done.version);

      const stored = await storage.unitOfWork.transaction((tx) => tx.machines.getMany(expectedIds));
      for (const id of expectedIds) {
        const machine = stored.find((m) => m.machineId === id);
        expect(machine, `machine ${JSON.stringify(id)} was not stored`).toBeDefined();
        const view = await hf.queries.execute(GetMachine.from({ machineId: id }));
        // The read model (built from the event log) says exactly what the snapshot says.
        expect({ name: view.name, reason: view.statusReason, tags: view.instanceTags, type: view.instanceType })
          .toEqual({ name: machine!.name, reason: machine!.statusReason, tags: machine!.instanceTags, type: machine!.instanceType });
        expect(view.name?.startsWith('host\uFFFD')).toBe(true);
        expect(view.statusReason).toContain(TRICKY);
        for (const text of stringsIn(view)) expect(textProblem(text, 'reason'), JSON.stringify(text.slice(0, 40))).toBeUndefined();
      }

      const returned = await hf.commands.execute(RequestReturnMachines.from({ machines: expectedIds.map((machineId) => ({ machineId })) }));
      expect(returned.notFound).toEqual([]);
      expect([...cloud.terminated].sort()).toEqual([...expectedIds].sort());
      const back = await hf.commands.execute(SyncRequest.from({ requestId: returned.requestId }));
      expect(back.status).not.toBe('failed');
      const events = await storage.eventLog.readAfter(0, 1000);
      for (const text of stringsIn(events.map((e) => e.event))) expect(textProblem(text, 'reason')).toBeUndefined();
    });
  });

  it('settles an abandoned request whose cloud answers unstorable text: every machine returned, no error', async () => {
    const cloud = hostileCloud();
    const clock = new ManualClock();
    await withFactory(cloud, async (hf) => {
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 4 }));
      clock.advance({ minutes: 15 });
      const run = await hf.commands.execute(Reconcile.from({}));
      expect(run).toMatchObject({ abandoned: 1, machinesReturned: HOSTILE_IDS.length, errors: 0 });
      expect([...cloud.terminated].sort()).toEqual(HOSTILE_IDS.map(normaliseMachineId).sort());
      expect((await hf.queries.execute(GetRequest.from({ requestId }))).status).toBe('cancelled');
      expect((await hf.commands.execute(Reconcile.from({}))).errors).toBe(0);
    }, clock);
  });

  it('refuses a host\'s unstorable text with VALIDATION_FAILED naming the field, and writes nothing', async () => {
    await withFactory(hostileCloud(), async (hf, storage) => {
      const head = await storage.eventLog.head();
      expect(await issuesOf(() => hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, tags: { team: 'a\u0000' } })))).toEqual(['tags.team']);
      expect(await issuesOf(() => hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, tags: { team: ASTRAL.repeat(TEXT_LIMITS.tagValue + 1) } })))).toEqual(['tags.team']);
      expect(await issuesOf(() => hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, idempotencyKey: 'key\uD800' })))).toEqual(['idempotencyKey']);
      expect(await issuesOf(() => hf.commands.execute(RequestReturnMachines.from({ machines: [{ name: 'host\u0000' }] })))).toEqual(['machines[0].name']);
      expect(await issuesOf(() => hf.queries.execute(GetMachine.from({ machineId: 'i-\uDC00' })))).toEqual(['machineId']);
      expect(await issuesOf(() => hf.queries.execute(GetRequest.from({ requestId: 'req-\u0000' })))).toEqual(['requestId']);
      const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
      const written = await storage.eventLog.head();
      expect(await issuesOf(() => hf.commands.execute(CancelRequest.from({ requestId, reason: 'stop\u0000' })))).toEqual(['reason']);
      expect(await issuesOf(() => hf.commands.execute(CancelRequest.from({ requestId, reason: 'x'.repeat(TEXT_LIMITS.reason + 1) })))).toEqual(['reason']);
      expect(await storage.eventLog.head()).toBe(written);
      expect(written).toBeGreaterThan(head);
    });
  });

  it('stores a host\'s text at every limit, with backslashes, quotes and newlines, and rebuilds it identically from the event log', async () => {
    await withFactory(hostileCloud(), async (hf, storage) => {
      const idempotencyKey = `${TRICKY}${ASTRAL.repeat(TEXT_LIMITS.idempotencyKey - [...TRICKY].length)}`;
      const tags = { [`${ASTRAL.repeat(TEXT_LIMITS.tagKey - 1)}\\`]: ASTRAL.repeat(TEXT_LIMITS.tagValue), tricky: TRICKY };
      const first = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, idempotencyKey, tags }));
      const again = await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, idempotencyKey, tags }));
      expect(again.requestId).toBe(first.requestId);
      const reason = `${TRICKY}${ASTRAL.repeat(TEXT_LIMITS.reason - [...TRICKY].length)}`;
      await hf.commands.execute(CancelRequest.from({ requestId: first.requestId, reason }));

      const snapshot = await storage.unitOfWork.transaction((tx) => tx.requests.get(first.requestId));
      expect(snapshot?.statusMessage).toBe(reason);
      expect(snapshot?.tags).toEqual(tags);
      expect(snapshot?.idempotencyKey).toBe(idempotencyKey);
      const events = (await storage.eventLog.readAfter(0, 1000)).map((e) => e.event);
      const ofRequest = events.filter((e) => e.aggregateId === first.requestId);
      const cancelled = ofRequest.find((e) => e.type === 'RequestStatusChanged' && JSON.stringify(e).includes('cancelled'));
      expect(JSON.stringify(cancelled)).toContain(JSON.stringify(reason).slice(1, -1));
      const created = ofRequest.find((e) => e.type === 'RequestCreated');
      expect(JSON.stringify(created)).toContain(JSON.stringify(idempotencyKey).slice(1, -1));
      const view = await hf.queries.execute(GetRequest.from({ requestId: first.requestId }));
      expect({ statusMessage: view.statusMessage, tags: view.tags }).toEqual({ statusMessage: reason, tags });
    });
  });
}
