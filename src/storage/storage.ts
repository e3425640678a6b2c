import type { EventLog } from './event-log';
import type { ProcessorStore } from './processor-store';
import type { ReadModelStore } from './read-model-store';
import type { UnitOfWork } from './unit-of-work';

/** Everything a host factory stores, as one adapter bundle handed to `createHostFactory({ storage })`. */
export interface Storage {
  readonly unitOfWork: UnitOfWork;
  readonly eventLog: EventLog;
  readonly readModels: ReadModelStore;
  /**
   * Checkpoints, leases and dead letters of event processors, committed with `unitOfWork`'s
   * transactions. Optional: without it durable event handlers and processors refuse to start.
   */
  readonly processors?: ProcessorStore;
}
