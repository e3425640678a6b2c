/**
 * The NATS JetStream relay example: publish the event log of a PostgreSQL-backed host factory to a
 * stream, and keep a read model in another service from that stream.
 */
export { OutboxRelay, subjectOf, ensureEventStream, DEFAULT_SUBJECT_PREFIX } from './relay';
export type { OutboxRelayOptions, RelayCheckpoint, RelayRound, EventStreamOptions } from './relay';
export { PostgresRelayCheckpoint, acquireRelayLease } from './checkpoint';
export type { RelayLease } from './checkpoint';
export { RequestStatusConsumer, ensureDurableConsumer, consumeInto } from './request-status-consumer';
export type { Applied, ConsumerStats } from './request-status-consumer';
export { tracedSend, tracedProcess } from './tracing';
