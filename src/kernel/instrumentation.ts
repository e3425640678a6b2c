import type { DispatchContext, EventContext, EventMessage } from './handler';

/**
 * A trace's position as W3C Trace Context headers. The kernel stores it with each event a dispatch
 * commits and hands it back when the event is processed; it never reads it.
 */
export interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** One piece of work an {@link Instrumentation} wraps. */
export type WorkUnit =
  | { readonly kind: 'command' | 'query'; readonly context: DispatchContext }
  | { readonly kind: 'event'; readonly handler: string; readonly event: EventMessage; readonly context: EventContext }
  | {
      readonly kind: 'projection';
      readonly projection: string;
      readonly events: readonly { readonly position: number; readonly event: EventMessage }[];
    }
  | { readonly kind: 'provider'; readonly operation: string; readonly requestId: string | undefined };

/** Something worth counting that is not a unit of work of its own. */
export type WorkSignal =
  /** A command attempt failed with a retriable code; `retried` when the `retry()` middleware runs it again. */
  | { readonly kind: 'attempt-failed'; readonly messageName: string; readonly code: string; readonly retried: boolean }
  /** A transaction that records a provider answer hit `CONCURRENCY_CONFLICT` and runs again. */
  | { readonly kind: 'record-conflict'; readonly retried: boolean };

/** One projection's distance behind the event log, in events. */
export interface ProjectionLagSample {
  readonly projection: string;
  readonly lag: number;
}

/**
 * Hooks a tracing or metrics system into a kernel: `createKernel({ instrumentation })` or
 * `createHostFactory({ instrumentation })`. `hostfactory-kernel/otel` ships the OpenTelemetry one.
 */
export interface Instrumentation {
  /** Runs `work` (exactly once) inside whatever `unit` is measured with, and returns its outcome unchanged. */
  wrap<T>(unit: WorkUnit, work: () => Promise<T>): Promise<T>;
  /** The active trace as W3C headers, stored with every event committed now; `undefined` when none. */
  carrier(): TraceCarrier | undefined;
  /** Counts `signal`. */
  signal?(signal: WorkSignal): void;
  /** Reports projection lag on demand (when metrics are collected); returns the function that stops it. */
  watchProjections?(read: () => Promise<readonly ProjectionLagSample[]>): () => void;
}
