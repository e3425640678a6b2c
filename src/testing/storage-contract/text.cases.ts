import assert from 'node:assert/strict';
import { Request } from '../../domain/request/request';
import { TEXT_LIMITS } from '../../domain/shared/text';
import { type DomainEvent } from '../../domain/shared/domain-event';
import type { CaseBody } from './aggregate.cases';
import { Fixtures, read, seed } from './fixtures';

/*
 * The one rule for stored text (docs/domain.md, "Text"): the domain hands an adapter only
 * well-formed Unicode without NUL, at most TEXT_LIMITS code points (up to 4 UTF-8 bytes each), and
 * the adapter keeps every character of it, in snapshots, finders, the event log and read models,
 * whatever its SQL dialect does with backslashes, quotes, newlines or long index entries.
 */

const ASTRAL = '\u{1F600}';
/** Backslashes, quotes, newlines, escapes that mean something to SQL, JSON or a shell, and U+FFFD. */
const TRICKY = `a\\b \\' '' "q" \\n\n\r\t \\u0000 \\x41 %s $1 ${ASTRAL}\u{FE0F}\u200F\u2028\uFFFD end\\`;

/** `prefix` padded with astral characters (4 UTF-8 bytes each) to exactly `limit` code points. */
function atLimit(prefix: string, limit: number): string {
  return prefix + ASTRAL.repeat(limit - [...prefix].length);
}

const MACHINE_ID = atLimit('i-\\', TEXT_LIMITS.id);
const NAME = atLimit(`host '\\n`, TEXT_LIMITS.name);
const IDEMPOTENCY_KEY = atLimit(TRICKY, TEXT_LIMITS.idempotencyKey);
const TAGS = { [atLimit("k'\\", TEXT_LIMITS.tagKey)]: atLimit(TRICKY, TEXT_LIMITS.tagValue), tricky: TRICKY };
const REASON = atLimit(TRICKY, TEXT_LIMITS.reason);

function aggregates(f: Fixtures) {
  const terms = { templateId: 't-a', active: true, maxNumber: 100, priceType: 'ondemand' as const, vmTypes: null };
  const request = Request.createAcquire({ template: terms, activeUnits: 0, requestedCount: 1, idempotencyKey: IDEMPOTENCY_KEY, tags: TAGS }, f.at());
  request.cancel(REASON, f.at(1));
  const machine = f.machine(MACHINE_ID, request.requestId, 't-a', { name: NAME, statusReason: REASON, instanceTags: TAGS, instanceType: TRICKY.slice(0, 40) });
  return { request, machine };
}

/** Cases on text at the rule's limits, for every adapter. */
export const textCases: Record<string, CaseBody> = {
  'text: ids, names, keys, tags and reasons at their limits read back identical through every finder': async (storage) => {
    const f = new Fixtures();
    const { request, machine } = aggregates(f);
    await seed(storage, request, machine);
    const [byId, byKey, many, byName, byRequest] = await read(storage, async (tx) => [
      await tx.machines.get(MACHINE_ID),
      await tx.requests.findByIdempotencyKey(IDEMPOTENCY_KEY),
      await tx.machines.getMany([MACHINE_ID]),
      await tx.machines.findByName(NAME),
      await tx.machines.findByRequest(request.requestId),
    ] as const);
    assert.deepEqual(asJson(byId?.toSnapshot()), asJson(machine.toSnapshot()), 'a machine with a 256-code-point id, name and tags at their limits, and a 1,000-code-point reason, did not read back identical');
    assert.deepEqual(asJson(byKey?.toSnapshot()), asJson(request.toSnapshot()), 'findByIdempotencyKey did not find (or changed) the request with a 256-code-point key holding backslashes, quotes and newlines');
    assert.deepEqual(many.map((m) => m.machineId), [MACHINE_ID], 'getMany did not find the machine by its 256-code-point id');
    assert.deepEqual(byName.map((m) => m.machineId), [MACHINE_ID], 'findByName did not find the machine by its 256-code-point name');
    assert.deepEqual(byRequest.map((m) => m.name), [NAME], 'findByRequest changed the machine name');
  },

  'text: the event log returns events exactly as appended, backslashes, quotes and newlines included': async (storage) => {
    const f = new Fixtures();
    const { request, machine } = aggregates(f);
    const appended: DomainEvent[] = [];
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.requests.save(request, 0);
      await tx.machines.save(machine, 0);
      const events = [...request.pullEvents(), ...machine.pullEvents()];
      appended.push(...structuredClone(events));
      tx.outbox.append(events);
    });
    const log = await storage.eventLog.readAfter(0, 100);
    assert.deepEqual(asJson(log.map((e) => e.event)), asJson(appended), 'an event read back from the log differs from the one appended: a rebuild would diverge from the snapshot');
  },

  'text: read-model documents keep any storable text, and equality filters match it exactly': async (storage) => {
    const docs = [
      { id: atLimit(TRICKY, TEXT_LIMITS.id), name: NAME, status: TRICKY, nested: { reason: REASON, [TRICKY]: TAGS } },
      { id: 'plain', name: `${NAME.slice(0, -2)}x`, status: TRICKY.replace('\\b', 'b'), nested: { reason: 'r' } },
    ];
    for (const doc of docs) await storage.readModels.put('contract_text', doc);
    assert.deepEqual(asJson(await storage.readModels.get('contract_text', docs[0]!.id)), asJson(docs[0]), 'a read-model document with backslashes, quotes, newlines and astral text did not read back identical');
    const byName = await storage.readModels.query('contract_text', { filters: [{ field: 'name', eq: NAME }] });
    assert.deepEqual(byName.items.map((d) => d.id), [docs[0]!.id], 'an equality filter on a 256-code-point name did not match exactly one document');
    const byStatus = await storage.readModels.query('contract_text', { filters: [{ field: 'status', in: [TRICKY] }] });
    assert.deepEqual(byStatus.items.map((d) => d.id), [docs[0]!.id], 'an "in" filter on text with backslashes did not match exactly');
  },
};

/**
 * The value as plain JSON data made here: compares what an adapter returns with what was given by
 * content only, whichever realm built the objects (Jest runs a test file in a VM context of its own,
 * where strict deep equality would also compare the two realms' prototypes).
 */
function asJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
