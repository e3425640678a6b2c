import type { EventLog } from './event-log';
import type { ReadModelStore } from './read-model-store';
import type { UnitOfWork } from './unit-of-work';

/** Everything a host factory stores, as one adapter bundle handed to `createHostFactory({ storage })`. */
export interface Storage {
  readonly unitOfWork: UnitOfWork;
  readonly eventLog: EventLog;
  readonly readModels: ReadModelStore;
}
