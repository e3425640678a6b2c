import { GetRequestStatus, ListRequests, ListReturnRequests } from '../../src/application/requests/request.queries';
import { ListMachines } from '../../src/application/machines/machine.queries';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { toPlain } from '../../src/application/read-models/dto';
import { type Projection } from '../../src/application/read-models/projections';
import { type Storage } from '../../src/storage/storage';
import { type StoredEvent } from '../../src/storage/event-log';
import { canMachineMove, MACHINE_STATUSES, type MachineStatus } from '../../src/domain/machine/machine-status';
import { canRequestMove, REQUEST_STATUSES, type RequestStatus } from '../../src/domain/request/request-status';
import { createInMemoryStorage, createTestHostFactory, type FakeProvider, type TestHostFactory } from '../../src/testing';

/** What is committed: every aggregate's stored snapshot version and status, and the whole event log. */
export interface CommittedState {
  readonly events: StoredEvent[];
  /** `Template:<id>`, `Request:<id>`, `Machine:<id>` → stored version and status. */
  readonly aggregates: Map<string, { version: number; status: string | undefined; snapshot: Record<string, unknown> }>;
}

/** Reads every stored aggregate (templates, requests and machines of every status) and every committed event. */
export async function readCommitted(storage: Storage): Promise<CommittedState> {
  const aggregates: CommittedState['aggregates'] = new Map();
  await storage.unitOfWork.transaction(async (tx) => {
    for (const t of await tx.templates.list()) aggregates.set(`Template:${t.templateId}`, entry(t.toSnapshot()));
    for (const r of await tx.requests.findByStatus(REQUEST_STATUSES)) aggregates.set(`Request:${r.requestId}`, entry(r.toSnapshot()));
    for (const m of await tx.machines.findByStatus(MACHINE_STATUSES)) aggregates.set(`Machine:${m.machineId}`, entry(m.toSnapshot()));
  });
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const batch = await storage.eventLog.readAfter(after, 500);
    if (batch.length === 0) break;
    events.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
  return { events, aggregates };
}

function entry(snapshot: object): { version: number; status: string | undefined; snapshot: Record<string, unknown> } {
  const s = snapshot as Record<string, unknown>;
  return { version: s.version as number, status: typeof s.status === 'string' ? s.status : undefined, snapshot: s };
}

/**
 * Checks the committed state for half-applied work and illegal history, returning every problem
 * found (empty when sound):
 * - positions run 1..n without gaps or repeats;
 * - per aggregate, `aggregateVersion` never goes backwards in log order;
 * - every stored aggregate's version equals the highest `aggregateVersion` of its events, and every
 *   aggregate with events is stored (a deleted template excepted): no state without its events, no
 *   events without their state;
 * - every `RequestStatusChanged` / `MachineStatusChanged` starts where the previous one ended, is a
 *   move the status machine allows, and the last one ends at the stored status.
 */
export function historyProblems(state: CommittedState): string[] {
  const problems: string[] = [];
  const maxVersion = new Map<string, number>();
  const lastStatus = new Map<string, string>();
  const deleted = new Set<string>();
  state.events.forEach((stored, index) => {
    if (stored.position !== index + 1) problems.push(`position ${stored.position} at index ${index}: the log has a gap or a repeat`);
    const { event } = stored;
    const key = `${event.aggregateType}:${event.aggregateId}`;
    const previous = maxVersion.get(key) ?? 0;
    if (event.aggregateVersion < previous) problems.push(`${key}: version went back from ${previous} to ${event.aggregateVersion} at position ${stored.position}`);
    maxVersion.set(key, Math.max(previous, event.aggregateVersion));
    if (event.type === 'TemplateDeleted') deleted.add(key);
    if (event.type === 'TemplateCreated') deleted.delete(key);
    if (event.type === 'RequestStatusChanged' || event.type === 'MachineStatusChanged') {
      const { from, to } = event.data as { from: string; to: string };
      const before = lastStatus.get(key);
      if (before !== undefined && before !== from) problems.push(`${key}: ${event.type} from ${from}, but the previous change ended at ${before} (position ${stored.position})`);
      const legal = event.type === 'RequestStatusChanged' ? canRequestMove(from as RequestStatus, to as RequestStatus) : canMachineMove(from as MachineStatus, to as MachineStatus);
      if (!legal) problems.push(`${key}: illegal move ${from} → ${to} at position ${stored.position}`);
      lastStatus.set(key, to);
    }
  });
  for (const [key, version] of maxVersion) {
    const stored = state.aggregates.get(key);
    if (stored === undefined) {
      if (!deleted.has(key)) problems.push(`${key} has events up to version ${version} but is not stored (events without state)`);
    } else if (stored.version !== version) {
      problems.push(`${key} is stored at version ${stored.version} but its events reach version ${version} (half-applied)`);
    }
  }
  for (const [key, stored] of state.aggregates) {
    if (!maxVersion.has(key)) problems.push(`${key} is stored at version ${stored.version} without any event (state without events)`);
    const last = lastStatus.get(key);
    if (last !== undefined && stored.status !== undefined && stored.status !== last) problems.push(`${key} is stored ${stored.status} but its last status change ended at ${last}`);
  }
  return problems;
}

/**
 * Machines the fake cloud created that storage does not hold attached to exactly one acquire
 * request (lost, or attached twice), and machines named by more than `maxTerminations` terminate calls.
 */
export function machineProblems(state: CommittedState, fake: FakeProvider, maxTerminations = 1): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string[]>();
  for (const [key, aggregate] of state.aggregates) {
    if (!key.startsWith('Request:') || aggregate.snapshot.type !== 'acquire') continue;
    for (const machineId of aggregate.snapshot.machineIds as string[]) owners.set(machineId, [...(owners.get(machineId) ?? []), key]);
  }
  for (const machine of fake.machines()) {
    const held = owners.get(machine.machineId) ?? [];
    if (held.length !== 1) problems.push(`machine ${machine.machineId} (of ${machine.requestId}) is attached to ${held.length} acquire requests: ${held.join(', ') || 'none (lost)'}`);
    if (!state.aggregates.has(`Machine:${machine.machineId}`)) problems.push(`machine ${machine.machineId} exists in the cloud but is not stored`);
    const terminations = fake.terminateCount(machine.machineId);
    if (terminations > maxTerminations) problems.push(`machine ${machine.machineId} was terminated ${terminations} times`);
  }
  return problems;
}

/** Answers of every list query and each request's status, as plain JSON, for comparing two read sides. */
export async function readSide(hf: Pick<TestHostFactory, 'queries'>): Promise<unknown> {
  const requests = await hf.queries.execute(ListRequests.from({ limit: 1000 }));
  const statuses = [];
  for (const r of requests.items) statuses.push(toPlain(await hf.queries.execute(GetRequestStatus.from({ requestId: r.requestId }))));
  return {
    templates: toPlain(await hf.queries.execute(ListTemplates.from({ activeOnly: false, includeConfiguration: true }))),
    requests: toPlain(requests),
    returns: toPlain(await hf.queries.execute(ListReturnRequests.from({ limit: 1000 }))),
    machines: toPlain(await hf.queries.execute(ListMachines.from({ limit: 1000 }))),
    statuses,
  };
}

/**
 * The read side rebuilt from the event log alone: a second host factory over the same unit of work
 * and event log but fresh read-model documents, after `rebuildReadModels()`.
 */
export async function rebuiltReadSide(hf: TestHostFactory): Promise<unknown> {
  const { storage } = hf;
  const second = createTestHostFactory({
    storage: { unitOfWork: storage.unitOfWork, eventLog: storage.eventLog, readModels: createInMemoryStorage().readModels },
    provider: hf.provider,
    ...(hf.clock === undefined ? {} : { clock: hf.clock }),
  });
  try {
    await second.rebuildReadModels();
    return await readSide(second);
  } finally {
    second.dispose();
  }
}

/** A projection that records the position of every event it applies, to prove delivery is exactly once and in order. */
export function recordingProjection(name: string, options: { failFirst?: number } = {}): Projection & { readonly applied: number[]; readonly failures: number } {
  let failuresLeft = options.failFirst ?? 0;
  const projection = {
    name,
    collections: [] as string[],
    applied: [] as number[],
    failures: 0,
    async apply(stored: StoredEvent): Promise<void> {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        projection.failures += 1;
        throw new Error(`${name} is down (injected)`);
      }
      projection.applied.push(stored.position);
    },
  };
  return projection;
}

/** Problems with a list of delivered positions: it must be exactly 1..head, once each, in order. */
export function deliveryProblems(label: string, delivered: readonly number[], head: number): string[] {
  const expected = Array.from({ length: head }, (_, i) => i + 1);
  if (delivered.length === head && delivered.every((p, i) => p === expected[i])) return [];
  const seen = new Set<number>();
  const duplicates = delivered.filter((p) => (seen.has(p) ? true : (seen.add(p), false)));
  const missing = expected.filter((p) => !seen.has(p));
  const outOfOrder = delivered.some((p, i) => i > 0 && p <= delivered[i - 1]!);
  return [`${label}: delivered ${delivered.length} of ${head} events; duplicates [${duplicates.join(',')}], missing [${missing.slice(0, 10).join(',')}]${outOfOrder ? ', out of order' : ''}`];
}
