/**
 * `hostfactory-kernel/providers`: several clouds behind one host factory. A composite
 * `ProviderPort` with per-template routing, selection policies, a circuit breaker per provider,
 * failover before launch, and ownership written into stored ids (docs/providers.md).
 */
export { CompositeProvider, createCompositeProvider } from './composite-provider';
export type { CompositeProviderOptions, NamedProvider } from './composite-options';
export type { BreakerRecord, BreakerState, BreakerStore, CircuitBreakerOptions, ProviderHealth } from './circuit-breaker';
export { inMemoryProviderAssignments, readModelBreakerStore, readModelProviderAssignments, PROVIDER_ASSIGNMENTS_COLLECTION, PROVIDER_BREAKERS_COLLECTION } from './stores';
export type { ProviderAssignments } from './stores';
export { NoProviderAvailableError, ProviderRoutingError } from './errors';
export type { ProvisionAttempt } from './errors';
export { ROUTING_KEYS, SELECTION_POLICIES } from './routing';
export type { SelectionPolicy } from './routing';
