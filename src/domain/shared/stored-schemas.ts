import { ValidationError } from '../../kernel/errors';
import type { AggregateType, DomainEvent } from './domain-event';
import { createUpcasters, type Upcasters } from './upcasting';

/**
 * The library's own upcasters: every event and snapshot shape it ever stored, chained up to the one
 * this release writes. Today every type is at schema version 1 (what 0.1 and 0.2 wrote), so there is
 * no step yet; the next change of a stored shape adds its chain here (see docs/upgrading.md).
 */
export const DOMAIN_UPCASTERS: Upcasters = createUpcasters([]);

/**
 * A stored domain event as this release reads it (upcast by {@link DOMAIN_UPCASTERS}; the same
 * object when already current). Throws VALIDATION_FAILED when `stored` is not an object with a
 * string `type`, SCHEMA_VERSION_UNSUPPORTED for a version this release cannot read.
 */
export function readStoredEvent(stored: unknown): DomainEvent {
  const type = typeof stored === 'object' && stored !== null ? (stored as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') {
    throw new ValidationError('stored event', [{ path: 'type', constraint: 'isString', message: 'a stored event is an object with a string type' }]);
  }
  return DOMAIN_UPCASTERS.upcast<DomainEvent>('event', type, stored as object);
}

/** A stored snapshot of `aggregateType` as this release reads it. Throws SCHEMA_VERSION_UNSUPPORTED. */
export function readStoredSnapshot<S extends object>(aggregateType: AggregateType, snapshot: S): S {
  return DOMAIN_UPCASTERS.upcast<S>('snapshot', aggregateType, snapshot);
}
