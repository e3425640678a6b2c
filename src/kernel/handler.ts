import type { ContainerInstance } from 'typedi';
import type { Command, Query, ResultOf } from './message';

/** What every dispatch carries besides the message; also the `context` given to middleware. */
export interface DispatchContext<M = unknown> {
  /** `command` or `query`. */
  readonly kind: 'command' | 'query';
  /** The message being dispatched. */
  readonly message: M;
  /** The message's class name, for logs and errors. */
  readonly messageName: string;
  /**
   * Id of this dispatch: `ExecuteOptions.messageId`, else `metadata.commandId` when a string, else a
   * random UUID made on first read. Events the dispatch commits carry it as their `causationId`.
   */
  readonly messageId: string;
  /**
   * The conversation this dispatch belongs to: `ExecuteOptions.correlationId`, else the one of the
   * handler, event handler or projection it runs in, else its own `messageId` (it starts one).
   */
  readonly correlationId: string;
  /**
   * The message that caused this dispatch: `ExecuteOptions.causationId`, else the id of the command,
   * query or event whose handling started it; `undefined` for a dispatch the host started itself.
   */
  readonly causationId: string | undefined;
  /** Free-form data from the caller (a tenant, a user, an HTTP request id). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Aborted when the caller gives up or a `timeout()` middleware fires; handlers should honour it. */
  signal: AbortSignal | undefined;
  /** The kernel's own typedi container. */
  readonly container: ContainerInstance;
  /** `performance.now()` when the dispatch started. */
  readonly startedAt: number;
}

/** The context a command or query handler receives. */
export type HandlerContext = DispatchContext;

/** Handles one command class; `handle` must resolve to the command's declared result type. */
export interface CommandHandler<C extends Command<unknown>> {
  handle(command: C, context: HandlerContext): Promise<ResultOf<C>> | ResultOf<C>;
}

/** Handles one query class; `handle` must resolve to the query's declared result type. */
export interface QueryHandler<Q extends Query<unknown>> {
  handle(query: Q, context: HandlerContext): Promise<ResultOf<Q>> | ResultOf<Q>;
}

/** A domain or integration event: plain, serialisable data with a string `type`. */
export interface EventMessage {
  readonly type: string;
}

/** What an event handler receives besides the event. */
export interface EventContext {
  /** The kernel's own typedi container. */
  readonly container: ContainerInstance;
  /** The correlation id given to `publish`, else the event's own `correlationId`, when any. */
  readonly correlationId: string | undefined;
  /** The event's `eventId`, when it has one: the causation of every dispatch its handler makes. */
  readonly messageId: string | undefined;
}

/** Handles one or more event types; a failure is reported, never propagated to the publisher. */
export interface EventHandler<E extends EventMessage = EventMessage> {
  handle(event: E, context: EventContext): Promise<void> | void;
}

/** Options of one `execute` call. */
export interface ExecuteOptions {
  /** Default: inherited from the work this call runs in, else the dispatch's own `messageId`. */
  correlationId?: string;
  /** Default: the id of the message whose handling makes this call, if any. */
  causationId?: string;
  /** Default: `metadata.commandId` when a string, else a random UUID. */
  messageId?: string;
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
}
