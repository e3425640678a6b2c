/**
 * The PostgreSQL storage example: every storage port of hostfactory-kernel on one schema, shared
 * safely by several processes. Start with {@link createPostgresStorage}.
 */
export { createPostgresStorage } from './postgres-storage';
export type { PostgresStorage, PostgresStorageOptions, PostgresConnection } from './postgres-storage';
export { migrate, MIGRATIONS } from './migrations';
export type { Migration } from './migrations';
export { PostgresEventLog, appendCommitOrdered } from './event-log';
export { PostgresReadModelStore } from './read-model-store';
export type { ReadModelStoreOptions } from './read-model-store';
export { PostgresUnitOfWork } from './unit-of-work';
export type { PostgresTransaction } from './unit-of-work';
export { PostgresProcessorStore } from './processor-store';
export { schemaTables, lockKey } from './sql';
export type { SchemaTables } from './sql';
export { countingPool } from './counting-pool';
export type { CountingPool } from './counting-pool';
