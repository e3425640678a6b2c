/*
 * Span and metric names and attribute keys. Messaging and error attributes follow the OpenTelemetry
 * semantic conventions (messaging.*, code.*, error.type); the rest is namespaced `hostfactory.*`.
 */

/** The instrumentation scope name of every tracer and meter. */
export const SCOPE = 'hostfactory-kernel';

/** Attribute keys put on spans and metric points. */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  batchCount: 'messaging.batch.message_count',
  codeFunction: 'code.function.name',
  errorType: 'error.type',
  causationId: 'hostfactory.causation_id',
  kind: 'hostfactory.work.kind',
  name: 'hostfactory.work.name',
  outcome: 'hostfactory.outcome',
  errorCode: 'hostfactory.error.code',
  requestId: 'hostfactory.request_id',
  projection: 'hostfactory.projection',
  fromPosition: 'hostfactory.projection.from_position',
  toPosition: 'hostfactory.projection.to_position',
  provider: 'hostfactory.provider.operation',
  conflictStage: 'hostfactory.conflict.stage',
  retried: 'hostfactory.retried',
} as const;

/** Metric instrument names (see docs/observability.md). */
export const METRIC = {
  duration: 'hostfactory.work.duration',
  conflicts: 'hostfactory.conflicts',
  retries: 'hostfactory.retries',
  validationFailures: 'hostfactory.validation.failures',
  providerErrors: 'hostfactory.provider.errors',
  projectionLag: 'hostfactory.projection.lag',
} as const;

/** The value of `messaging.system` on every span. */
export const MESSAGING_SYSTEM = 'hostfactory-kernel';
