import assert from 'node:assert/strict';
import { Machine, type MachineCreateInput } from '../../domain/machine/machine';
import { Request, type RequestSnapshot } from '../../domain/request/request';
import { Template } from '../../domain/template/template';
import { type DomainContext, type IdGenerator } from '../../domain/shared/ports';
import { isKernelError } from '../../kernel/errors';
import type { Storage } from '../../storage/storage';
import { deadline, sleep } from '../real-timers';
import type { Transaction } from '../../storage/unit-of-work';

/** The instant every fixture is created at (plus the offset given). */
export const T0 = new Date('2026-01-01T00:00:00.000Z');

/** Aggregates a case stores. */
export type Aggregate = Template | Request | Machine;

/** Deterministic domain objects for one case: sequential UUIDs and contexts at `T0 + seconds`. */
export class Fixtures {
  #next = 0;
  readonly ids: IdGenerator = { uuid: () => `00000000-0000-4000-8000-${(++this.#next).toString(16).padStart(12, '0')}` };

  at(seconds = 0): DomainContext {
    return { now: new Date(T0.getTime() + seconds * 1000), ids: this.ids };
  }

  template(templateId: string, maxNumber = 100): Template {
    const attributes = { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] };
    return Template.create({ templateId, maxNumber, attributes, vmType: 'm5.large' }, this.at());
  }

  acquire(templateId: string, seconds = 0): Request {
    const terms = { templateId, active: true, maxNumber: 100, priceType: 'ondemand' as const, vmTypes: null };
    return Request.createAcquire({ template: terms, activeUnits: 0, requestedCount: 1 }, this.at(seconds));
  }

  returnOf(machineIds: readonly string[], seconds = 0): Request {
    return Request.createReturn({ machineIds }, this.at(seconds));
  }

  /** A copy of `request` carrying `idempotencyKey` (works whether or not the domain declares the field). */
  withIdempotencyKey(request: Request, idempotencyKey: string): Request {
    return Request.restore({ ...request.toSnapshot(), idempotencyKey } as RequestSnapshot);
  }

  machine(machineId: string, requestId: string, templateId: string, extra: Partial<MachineCreateInput> = {}, seconds = 0): Machine {
    return Machine.create({ machineId, requestId, templateId, ...extra }, this.at(seconds));
  }
}

/** Saves `aggregate` in `tx` at `expectedVersion` (0: insert) through the matching repository. */
export async function saveIn(tx: Transaction, aggregate: Aggregate, expectedVersion: number): Promise<void> {
  if (aggregate instanceof Template) await tx.templates.save(aggregate, expectedVersion);
  else if (aggregate instanceof Request) await tx.requests.save(aggregate, expectedVersion);
  else await tx.machines.save(aggregate, expectedVersion);
}

/** Inserts new aggregates (expectedVersion 0) with their recorded events in one transaction. */
export async function seed(storage: Storage, ...aggregates: Aggregate[]): Promise<void> {
  await storage.unitOfWork.transaction(async (tx) => {
    for (const aggregate of aggregates) {
      await saveIn(tx, aggregate, 0);
      tx.outbox.append(aggregate.pullEvents());
    }
  });
}

/**
 * Reads the seeded template `templateId`, then moves the stored one on to version 2 behind that copy's
 * back: the copy returned is stale (version 1), so saving it must conflict.
 */
export async function staleTemplate(storage: Storage, f: Fixtures, templateId: string): Promise<Template> {
  const stale = await read(storage, (tx) => tx.templates.get(templateId));
  assert.ok(stale, 'the seeded template is missing');
  await storage.unitOfWork.transaction(async (tx) => {
    const fresh = await tx.templates.get(templateId);
    fresh?.update({ maxNumber: 20 }, f.at(1));
    if (fresh) await tx.templates.save(fresh, 1);
  });
  return stale;
}

/** Runs a read-only transaction. */
export function read<T>(storage: Storage, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return storage.unitOfWork.transaction(work);
}

/** Fails unless `promise` rejects with a KernelError of `code`; returns that error. */
export async function expectCode(promise: Promise<unknown>, code: string, what: string): Promise<Error & { details: Record<string, unknown> }> {
  let outcome: { error: unknown } | undefined;
  try {
    await promise;
  } catch (error) {
    outcome = { error };
  }
  if (outcome === undefined) assert.fail(`${what}: expected it to fail with ${code}, but it succeeded`);
  const { error } = outcome;
  if (!isKernelError(error, code)) {
    const got = isKernelError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    assert.fail(`${what}: expected an error with code ${code}, got ${got}`);
  }
  return error as Error & { details: Record<string, unknown> };
}

/** Rejects with a message naming `what` unless `promise` settles within `ms` of real time (fake timers or not). */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  const { expired, cancel } = deadline(ms);
  const timeout = expired.then((): never => {
    throw new Error(`${what}: still waiting after ${ms} ms`);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    cancel();
  }
}

/** A promise plus its resolver, for ordering steps of concurrent transactions. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Waits `ms` of real time, fake timers or not. */
export function pause(ms: number): Promise<void> {
  return sleep(ms);
}

/** The ids of `aggregates`, sorted, for order-insensitive comparison. */
export function idsOf(aggregates: readonly Aggregate[]): string[] {
  return aggregates
    .map((a) => (a instanceof Template ? a.templateId : a instanceof Request ? a.requestId : a.machineId))
    .sort();
}
