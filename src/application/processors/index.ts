/**
 * Checkpointed event processors (`hostfactory-kernel/processors`, docs/processors.md): a named
 * subscription to the event log with at-least-once delivery, retries, dead letters and one replica
 * per partition, and the durable event handlers a host factory runs on them.
 */
import 'reflect-metadata';

export { EventProcessor } from './event-processor';
export type { ReplayReport } from './event-processor';
export type { EventProcessorOptions } from './processor-options';
export type { ProcessorContext, ProcessorHandler } from './delivery';
export type { DurableEventContext, HostProcessors, HostProcessorSettings } from './host-processors';
export { runProcessorCommand } from './operator-command';
export type { ProcessorCommandResult } from './operator-command';
export type { DurableHandlerSettings, EventHandlerOptions } from '../../kernel/registry';
export type { ProcessorStore, ProcessorClaim, ProcessorState, DeadLetter } from '../../storage/processor-store';
