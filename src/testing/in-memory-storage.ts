import type { StoredEvent } from '../storage/event-log';
import type { Storage } from '../storage/storage';
import type { ProcessorStore } from '../storage/processor-store';
import { InMemoryEventLog } from './in-memory/event-log';
import { InMemoryReadModelStore } from './in-memory/read-model-store';
import { createAggregateTables } from './in-memory/repositories';
import { InMemoryUnitOfWork } from './in-memory/unit-of-work';
import { InMemoryProcessorStore } from './in-memory/processor-store';

/** How much an {@link InMemoryStorage} holds: committed aggregates by type and events in the log. */
export interface StorageCounts {
  readonly templates: number;
  readonly requests: number;
  readonly machines: number;
  readonly events: number;
}

/** A {@link Storage} kept in process memory, plus inspection handles for tests. */
export interface InMemoryStorage extends Storage {
  readonly processors: ProcessorStore;
  /** Committed aggregates by type and committed events; uncommitted work is never counted. */
  snapshotCounts(): StorageCounts;
  /** Copies of every committed event, in position order. */
  committedEvents(): StoredEvent[];
  /** Documents currently in a read-model collection (0 for an unknown collection). */
  documentCount(collection: string): number;
}

/**
 * A fresh, empty storage with the real semantics of the storage ports: snapshots stored as deep
 * copies, atomic commit with version checks (CONCURRENCY_CONFLICT writes nothing), ordered event
 * log, keyed locks, indexed finders, read-model queries, and processor checkpoints committed with the
 * unit of work. State lives only in this instance.
 */
export function createInMemoryStorage(): InMemoryStorage {
  const tables = createAggregateTables();
  const eventLog = new InMemoryEventLog();
  const readModels = new InMemoryReadModelStore();
  const unitOfWork = new InMemoryUnitOfWork(tables, eventLog);
  return {
    unitOfWork,
    processors: new InMemoryProcessorStore(unitOfWork),
    eventLog,
    readModels,
    snapshotCounts: () => ({
      templates: tables.templates.size,
      requests: tables.requests.size,
      machines: tables.machines.size,
      events: eventLog.size,
    }),
    committedEvents: () => eventLog.all(),
    documentCount: (collection) => readModels.count(collection),
  };
}
