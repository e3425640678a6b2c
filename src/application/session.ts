import type { DomainEvent } from '../domain/shared/domain-event';
import type { Machine } from '../domain/machine/machine';
import type { Request } from '../domain/request/request';
import type { Template } from '../domain/template/template';
import { isKernelError } from '../kernel/errors';
import { currentScope, signal } from '../kernel/scope';
import type { Transaction } from '../storage/unit-of-work';
import type { Storage } from '../storage/storage';
import { saveMachines } from '../storage/batch';
import type { MachineSave } from '../storage/repositories';

type Aggregate = Template | Request | Machine;

interface Tracked {
  readonly aggregate: Aggregate;
  readonly kind: 'template' | 'request' | 'machine';
  /** The version read (0 for a new aggregate): the save's expectedVersion. */
  readonly loadedVersion: number;
  deleted: boolean;
}

/**
 * One command's view of a transaction: remembers the version of every aggregate it loads or adds,
 * and on `flush()` saves each changed one with that version as `expectedVersion` and appends its
 * recorded events to the outbox, so no handler can save without its events or forget a version.
 */
export class Session {
  private readonly tracked = new Map<string, Tracked>();

  constructor(readonly tx: Transaction) {}

  async template(templateId: string): Promise<Template | undefined> {
    return this.track('template', templateId, () => this.tx.templates.get(templateId));
  }

  async request(requestId: string): Promise<Request | undefined> {
    return this.track('request', requestId, () => this.tx.requests.get(requestId));
  }

  async machine(machineId: string): Promise<Machine | undefined> {
    return this.track('machine', machineId, () => this.tx.machines.get(machineId));
  }

  /**
   * The machines among `machineIds` by id, loaded in one `getMany` call (tracked ones keep their
   * loaded instance; unknown ids are absent). Same answers as calling {@link machine} per id.
   */
  async machines(machineIds: readonly string[]): Promise<Map<string, Machine>> {
    const found = new Map<string, Machine>();
    const missing: string[] = [];
    for (const id of new Set(machineIds)) {
      const known = this.tracked.get(`machine:${id}`);
      if (known === undefined) missing.push(id);
      else if (!known.deleted) found.set(id, known.aggregate as Machine);
    }
    if (missing.length > 0) {
      for (const machine of this.adopt('machine', await this.tx.machines.getMany(missing))) found.set(machine.machineId, machine);
    }
    return found;
  }

  /** Tracks aggregates found by a finder; ones already tracked keep their loaded instance. */
  adopt<A extends Aggregate>(kind: Tracked['kind'], found: readonly A[]): A[] {
    return found.map((aggregate) => {
      const key = `${kind}:${idOf(kind, aggregate)}`;
      const known = this.tracked.get(key);
      if (known !== undefined) return known.aggregate as A;
      this.tracked.set(key, { aggregate, kind, loadedVersion: aggregate.version, deleted: false });
      return aggregate;
    });
  }

  /** Tracks a newly created aggregate (saved with `expectedVersion` 0). */
  add<A extends Aggregate>(kind: Tracked['kind'], aggregate: A): A {
    this.tracked.set(`${kind}:${idOf(kind, aggregate)}`, { aggregate, kind, loadedVersion: 0, deleted: false });
    return aggregate;
  }

  /** Marks a tracked template for deletion at flush (its TemplateDeleted event is still appended). */
  remove(template: Template): void {
    const entry = this.tracked.get(`template:${template.templateId}`);
    if (entry !== undefined) entry.deleted = true;
  }

  /**
   * Saves every changed aggregate with its loaded version and appends their events, in tracking
   * order, to the outbox in one call (the transaction commits all or nothing, so one append of the
   * same sequence is the same as one per aggregate). Machines are saved last, in one batch
   * (`saveMachines`): a 1,000-machine request is one write, not a thousand.
   */
  async flush(): Promise<DomainEvent[]> {
    const appended: DomainEvent[] = [];
    const machines: MachineSave[] = [];
    for (const entry of this.tracked.values()) {
      const events = entry.aggregate.pullEvents() as DomainEvent[];
      if (events.length === 0 && !entry.deleted) continue;
      if (entry.deleted) await this.tx.templates.delete((entry.aggregate as Template).templateId, entry.loadedVersion);
      else if (entry.kind === 'template') await this.tx.templates.save(entry.aggregate as Template, entry.loadedVersion);
      else if (entry.kind === 'request') await this.tx.requests.save(entry.aggregate as Request, entry.loadedVersion);
      else machines.push({ machine: entry.aggregate as Machine, expectedVersion: entry.loadedVersion });
      for (const event of events) appended.push(event);
    }
    await saveMachines(this.tx.machines, machines);
    if (appended.length > 0) this.tx.outbox.append(withTrace(appended));
    return appended;
  }

  private async track<A extends Aggregate>(kind: Tracked['kind'], id: string, load: () => Promise<A | undefined>): Promise<A | undefined> {
    const known = this.tracked.get(`${kind}:${id}`);
    if (known !== undefined) return known.deleted ? undefined : (known.aggregate as A);
    const aggregate = await load();
    if (aggregate !== undefined) this.tracked.set(`${kind}:${id}`, { aggregate, kind, loadedVersion: aggregate.version, deleted: false });
    return aggregate;
  }
}

/** The events with the current trace's W3C headers, when instrumentation has one, so their processing joins it. */
function withTrace(events: DomainEvent[]): DomainEvent[] {
  const trace = currentScope()?.instrumentation?.carrier();
  return trace === undefined ? events : events.map((event) => ({ ...event, trace }));
}

function idOf(kind: Tracked['kind'], aggregate: Aggregate): string {
  if (kind === 'template') return (aggregate as Template).templateId;
  if (kind === 'request') return (aggregate as Request).requestId;
  return (aggregate as Machine).machineId;
}

/** Runs `work` in one transaction with a {@link Session}, flushing it before the commit. */
export function inSession<T>(storage: Storage, work: (session: Session) => Promise<T>): Promise<T> {
  return storage.unitOfWork.transaction(async (tx) => {
    const session = new Session(tx);
    const result = await work(session);
    await session.flush();
    return result;
  });
}

/**
 * {@link inSession} for the step that records what the provider answered. That step must not be
 * retried by re-running the whole command (which would admit a second request or claim again), so a
 * `CONCURRENCY_CONFLICT` here re-runs only this transaction, up to `attempts` times.
 */
export async function recordInSession<T>(storage: Storage, work: (session: Session) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inSession(storage, work);
    } catch (error) {
      if (!isKernelError(error, 'CONCURRENCY_CONFLICT')) throw error;
      signal({ kind: 'record-conflict', retried: attempt < attempts });
      if (attempt >= attempts) throw error;
    }
  }
}
