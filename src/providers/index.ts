/**
 * `hostfactory-kernel/providers`: several clouds behind one host factory. A composite
 * `ProviderPort` with per-template routing, selection policies, a circuit breaker per provider,
 * failover before launch, and ownership written into stored ids (docs/providers.md).
 */
export { CompositeProvider, createCompositeProvider } from './composite-provider';
export type { CompositeProviderOptions, NamedProvider } from './composite-provider';
export type { BreakerState, CircuitBreakerOptions, ProviderHealth } from './circuit-breaker';
export { inMemoryProviderAssignments, readModelProviderAssignments, PROVIDER_ASSIGNMENTS_COLLECTION } from './assignments';
export type { ProviderAssignments } from './assignments';
export { NoProviderAvailableError, ProviderRoutingError } from './errors';
export type { ProvisionAttempt } from './errors';
export { ROUTING_KEYS, SELECTION_POLICIES } from './routing';
export type { SelectionPolicy } from './routing';
