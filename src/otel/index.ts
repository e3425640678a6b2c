/**
 * OpenTelemetry for hostfactory-kernel: `openTelemetry()` traces and measures a kernel or host
 * factory. Needs the optional peer `@opentelemetry/api`; the other entry points never load it.
 * Import from `hostfactory-kernel/otel`.
 */
export { FLAT_TRACES_WARNING, openTelemetry } from './open-telemetry';
export type { OpenTelemetryOptions } from './open-telemetry';
export { carrierOf, contextFromCarrier, carrierOfEvent } from './trace-carrier';
export { ATTR, METRIC, SCOPE, MESSAGING_SYSTEM } from './conventions';
export type { TraceCarrier, Instrumentation, WorkUnit, WorkSignal, ProjectionLagSample } from '../kernel/instrumentation';
