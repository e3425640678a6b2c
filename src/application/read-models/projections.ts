import { requestDeadline } from '../../domain/request/request-outcome';
import { type DomainEvent } from '../../domain/shared/domain-event';
import { type MachineEvent } from '../../domain/machine/machine.events';
import { type RequestEvent } from '../../domain/request/request.events';
import { type TemplateEvent } from '../../domain/template/template.events';
import type { StoredEvent } from '../../storage/event-log';
import type { ReadModelDocument, ReadModelStore } from '../../storage/read-model-store';

/** Collection names of the read models the library maintains. */
export const COLLECTIONS = Object.freeze({
  templates: 'templates',
  requests: 'requests',
  machines: 'machines',
  reclaimNotices: 'reclaim_notices',
  checkpoints: 'projection_checkpoints',
  /** Where `Reconcile` remembers how far its rotation over the open requests got. */
  reconciler: 'reconciler',
  /** One document per acquire request whose provision release began: `status` `releasing` until the cloud confirms, then `released`. */
  releases: 'releases',
});

/**
 * Keeps one read model current from committed events. `apply` must be idempotent by position: a
 * document remembers the last position applied to it (`_position`) and older events are skipped,
 * so an event delivered twice (a crash between the write and the checkpoint) changes nothing.
 */
export interface Projection {
  /** Stable name; the key of this projection's checkpoint. */
  readonly name: string;
  /** The collections this projection owns (cleared by a rebuild). */
  readonly collections: readonly string[];
  apply(stored: StoredEvent, store: ReadModelStore): Promise<void>;
}

type Doc = ReadModelDocument & { _position: number; version: number };

/** Applies a patch to an existing document unless it already saw this position. */
async function patch(store: ReadModelStore, collection: string, stored: StoredEvent, change: Record<string, unknown>): Promise<void> {
  const current = await store.get<Doc>(collection, stored.event.aggregateId);
  if (current === undefined || current._position >= stored.position) return;
  await store.put(collection, { ...current, ...change, version: stored.event.aggregateVersion, _position: stored.position });
}

async function create(store: ReadModelStore, collection: string, stored: StoredEvent, doc: Record<string, unknown>): Promise<void> {
  const current = await store.get<Doc>(collection, stored.event.aggregateId);
  if (current !== undefined && current._position >= stored.position) return;
  await store.put(collection, { ...doc, id: stored.event.aggregateId, version: stored.event.aggregateVersion, _position: stored.position });
}

/** Marks a read-model document whose aggregate was deleted (queries treat it as absent). */
export const TOMBSTONE = '_deleted';

/** The `templates` read model: one document per template; a deleted template leaves a tombstone. */
export const templatesProjection: Projection = {
  name: 'templates',
  collections: [COLLECTIONS.templates],
  async apply(stored, store) {
    const event = stored.event as DomainEvent;
    if (event.aggregateType !== 'Template') return;
    const e = event as TemplateEvent;
    switch (e.type) {
      case 'TemplateCreated':
        return create(store, COLLECTIONS.templates, stored, { ...e.data.template, createdAt: e.occurredAt, updatedAt: e.occurredAt });
      case 'TemplateUpdated':
        return patch(store, COLLECTIONS.templates, stored, { ...e.data.template, updatedAt: e.occurredAt });
      case 'TemplateDeleted':
        // A tombstone, not a delete: a slower projector (another replica) replaying the template's
        // creation later must see that a newer position already passed, or it would resurrect it.
        return create(store, COLLECTIONS.templates, stored, { templateId: e.aggregateId, [TOMBSTONE]: true });
    }
  },
};

/** The `requests` read model: one document per request with its status and machine ids. */
export const requestsProjection: Projection = {
  name: 'requests',
  collections: [COLLECTIONS.requests],
  async apply(stored, store) {
    const event = stored.event as DomainEvent;
    if (event.aggregateType !== 'Request') return;
    const e = event as RequestEvent;
    switch (e.type) {
      case 'RequestCreated':
        return create(store, COLLECTIONS.requests, stored, { ...e.data.request, deadline: requestDeadline(e.data.request).toISOString() });
      case 'RequestStatusChanged':
        return patch(store, COLLECTIONS.requests, stored, {
          status: e.data.to,
          statusMessage: e.data.reason,
          startedAt: e.data.startedAt,
          completedAt: e.data.completedAt,
        });
      case 'RequestMachinesAttached':
        return patch(store, COLLECTIONS.requests, stored, { machineIds: [...e.data.machineIds], resourceIds: [...e.data.resourceIds] });
      case 'RequestTerminationFailed':
        return patch(store, COLLECTIONS.requests, stored, { terminationFailures: e.data.terminationFailures });
      case 'RequestAcknowledged':
        return patch(store, COLLECTIONS.requests, stored, { acknowledgedAt: e.data.acknowledgedAt });
      case 'RequestCompleted':
        return patch(store, COLLECTIONS.requests, stored, { succeeded: e.data.succeeded, failed: e.data.failed });
    }
  },
};

/** The `machines` read model: one document per machine. */
export const machinesProjection: Projection = {
  name: 'machines',
  collections: [COLLECTIONS.machines],
  async apply(stored, store) {
    const event = stored.event as DomainEvent;
    if (event.aggregateType !== 'Machine') return;
    const e = event as MachineEvent;
    switch (e.type) {
      case 'MachineCreated':
        return create(store, COLLECTIONS.machines, stored, { ...e.data.machine });
      case 'MachineStatusChanged':
        return patch(store, COLLECTIONS.machines, stored, {
          ...e.data.facts,
          status: e.data.to,
          statusReason: e.data.reason,
          terminatedAt: e.data.terminatedAt,
          updatedAt: e.occurredAt,
        });
      case 'MachineUpdated':
        return patch(store, COLLECTIONS.machines, stored, { ...e.data.facts, statusReason: e.data.statusReason, updatedAt: e.occurredAt });
      case 'MachineReturnRequested':
        return patch(store, COLLECTIONS.machines, stored, { returnRequestId: e.data.returnRequestId, updatedAt: e.occurredAt });
    }
  },
};

/**
 * The `releases` read model, `Reconcile`'s work list of settled acquire requests whose provision is
 * being released: `{ id, requestId, status: 'releasing' | 'released', createdAt (the start), until,
 * releasedAt }`. Only requests whose release began have a document, so the list stays short.
 */
export const releasesProjection: Projection = {
  name: 'releases',
  collections: [COLLECTIONS.releases],
  async apply(stored, store) {
    const event = stored.event as DomainEvent;
    if (event.aggregateType !== 'Request') return;
    const e = event as RequestEvent;
    switch (e.type) {
      case 'RequestReleaseStarted':
        return create(store, COLLECTIONS.releases, stored, { requestId: e.aggregateId, status: 'releasing', createdAt: e.data.release.since, until: e.data.release.until, releasedAt: null });
      case 'RequestReleased':
        return patch(store, COLLECTIONS.releases, stored, { status: 'released', releasedAt: e.data.release.releasedAt });
    }
  },
};

/** The projections every host factory runs, in the order they are fed. */
export const DEFAULT_PROJECTIONS: readonly Projection[] = [templatesProjection, requestsProjection, machinesProjection, releasesProjection];

/**
 * The library's own projections and the one aggregate type each reads. They are pure functions of
 * the event onto the store (no dispatch, no logging), so the projector skips other aggregates'
 * events without a call and, without instrumentation, applies without entering the event's
 * dispatch scope: a 1,000-machine command commits thousands of events. Internal.
 */
export const LIBRARY_PROJECTION_AGGREGATE: ReadonlyMap<Projection, DomainEvent['aggregateType']> = new Map([
  [templatesProjection, 'Template'],
  [requestsProjection, 'Request'],
  [machinesProjection, 'Machine'],
  [releasesProjection, 'Request'],
]);
