import type { ReadModelStore } from '../storage/read-model-store';
import type { BreakerRecord, BreakerStore } from './circuit-breaker';

/**
 * Which provider an acquire request was sent to, written before the provider is asked, so a
 * provision repeated after a crash (or by another process) goes to the same cloud and never
 * launches twice. Keep it where the host keeps its storage; the in-memory one forgets on restart.
 */
export interface ProviderAssignments {
  /** The provider `requestId` was last sent to, `undefined` if none. */
  get(requestId: string): Promise<string | undefined>;
  /** Records that `requestId` is being sent to `provider` (replacing a provider that refused it). */
  put(requestId: string, provider: string): Promise<void>;
}

/** Assignments in a Map: for tests and single-process hosts that accept losing them on restart. */
export function inMemoryProviderAssignments(): ProviderAssignments {
  const map = new Map<string, string>();
  return {
    get: async (requestId) => map.get(requestId),
    put: async (requestId, provider) => void map.set(requestId, provider),
  };
}

/** The read-model collection {@link readModelProviderAssignments} writes by default. */
export const PROVIDER_ASSIGNMENTS_COLLECTION = 'provider_assignments';

/**
 * Assignments stored as documents `{ id: requestId, provider }` in the host's read-model store, so
 * they live in the same database as the requests (SQLite, PostgreSQL, ...) and survive restarts.
 */
export function readModelProviderAssignments(store: ReadModelStore, collection: string = PROVIDER_ASSIGNMENTS_COLLECTION): ProviderAssignments {
  return {
    get: async (requestId) => {
      const doc = await store.get<{ id: string; provider?: unknown }>(collection, requestId);
      return typeof doc?.provider === 'string' ? doc.provider : undefined;
    },
    put: (requestId, provider) => store.put(collection, { id: requestId, provider }),
  };
}

/** The read-model collection {@link readModelBreakerStore} writes by default. */
export const PROVIDER_BREAKERS_COLLECTION = 'provider_breakers';

/** Breakers stored as documents `{ id: provider, ...record }` in the host's read-model store (one read per provision). */
export function readModelBreakerStore(store: ReadModelStore, collection: string = PROVIDER_BREAKERS_COLLECTION): BreakerStore {
  return {
    load: async (providers) => {
      const docs = await store.getMany<{ id: string } & Partial<BreakerRecord>>(collection, providers);
      return docs.filter(isRecord).map(({ id, consecutiveFailures, openedAt, lastFailureAt, lastError }) => ({ provider: id, consecutiveFailures, openedAt, lastFailureAt, lastError }));
    },
    save: (record) => store.put(collection, { id: record.provider, ...record }),
  };
}

/** A stored document another version or a hand edit left malformed is ignored (the breaker starts closed). */
function isRecord(doc: { id: string } & Partial<BreakerRecord>): doc is { id: string } & BreakerRecord {
  const time = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  return Number.isInteger(doc.consecutiveFailures) && (doc.consecutiveFailures as number) >= 0 && time(doc.openedAt) && time(doc.lastFailureAt) && (doc.lastError === null || typeof doc.lastError === 'string');
}
