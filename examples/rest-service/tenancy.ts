import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { Query, type HostFactory, type Projection, type ReadModelDocument, type ReadModelStore, type RequestStatus, type RequestType } from '../../src/index';
import { REQUEST_STATUSES } from '../../src/application/storage/index';
import type { Principal } from './auth';

/** The collection of {@link requestOwnersProjection}: one document per request a caller made. */
export const REQUEST_OWNERS = 'rest_request_owners';

/** Who made a request, and the fields a tenant's list filters and sorts on. */
export interface RequestOwner {
  readonly requestId: string;
  readonly tenant: string;
  readonly subject: string;
}

type OwnerDoc = ReadModelDocument & {
  tenant: string;
  subject: string;
  type: RequestType;
  templateId: string | null;
  status: RequestStatus;
  createdAt: string;
  _position: number;
};

/**
 * The service's own read model: the owner of every request, from the principal its `RequestCreated`
 * event carries (`metadata.principal`), plus status, type, template and creation time so a tenant's
 * list filters and pages like `ListRequests`. Requests made without a principal (the reconciler, a
 * host's own code) have no owner: only the admin scope sees them. Idempotent by position.
 */
export const requestOwnersProjection: Projection = {
  name: 'rest-request-owners',
  collections: [REQUEST_OWNERS],
  async apply(stored, store) {
    const event = stored.event;
    if (event.aggregateType !== 'Request') return;
    const current = await store.get<OwnerDoc>(REQUEST_OWNERS, event.aggregateId);
    if (current !== undefined && current._position >= stored.position) return;
    if (event.type === 'RequestCreated') {
      const principal = event.metadata?.principal as Partial<Principal> | undefined;
      if (typeof principal?.tenant !== 'string' || typeof principal.subject !== 'string') return;
      const { type, templateId, status, createdAt } = event.data.request;
      await store.put(REQUEST_OWNERS, { id: event.aggregateId, tenant: principal.tenant, subject: principal.subject, type, templateId, status, createdAt, _position: stored.position });
    } else if (event.type === 'RequestStatusChanged' && current !== undefined) {
      await store.put(REQUEST_OWNERS, { ...current, status: event.data.to, _position: stored.position });
    }
  },
};

/** The owner of one request (`null`: none recorded). */
export class GetRequestOwner extends Query<RequestOwner | null> {
  @IsString()
  @MinLength(1)
  requestId!: string;
}

/** One page of a tenant's request ids, newest first, with the filters of `ListRequests`. */
export interface OwnedRequestPage {
  readonly requestIds: string[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** The ids of one tenant's requests, filtered and paged like `ListRequests`. */
export class ListOwnedRequests extends Query<OwnedRequestPage> {
  @IsString()
  @MinLength(1)
  tenant!: string;

  @IsOptional()
  @IsIn(REQUEST_STATUSES)
  status?: RequestStatus;

  @IsOptional()
  @IsIn(['acquire', 'return'])
  type?: RequestType;

  @IsOptional()
  @IsString()
  templateId?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number;
}

/**
 * Routes {@link GetRequestOwner} and {@link ListOwnedRequests} on `hostFactory`'s query bus, reading
 * `readModels` (the host factory's storage). Going through the bus, they see the read models caught
 * up with the caller's own commands, like the library's queries.
 */
export function registerTenancyQueries(hostFactory: HostFactory, readModels: ReadModelStore): void {
  hostFactory.queries.register(GetRequestOwner, {
    async handle(query) {
      const doc = await readModels.get<OwnerDoc>(REQUEST_OWNERS, query.requestId);
      return doc === undefined ? null : { requestId: doc.id, tenant: doc.tenant, subject: doc.subject };
    },
  });
  hostFactory.queries.register(ListOwnedRequests, {
    async handle(query) {
      const filters = [{ field: 'tenant', eq: query.tenant }];
      if (query.status !== undefined) filters.push({ field: 'status', eq: query.status });
      if (query.type !== undefined) filters.push({ field: 'type', eq: query.type });
      if (query.templateId !== undefined) filters.push({ field: 'templateId', eq: query.templateId });
      const limit = query.limit ?? 50;
      const offset = query.offset ?? 0;
      // The order of the library's lists: newest first, ties broken by id.
      const sort = [{ field: 'createdAt', direction: 'desc' }, { field: 'id', direction: 'desc' }] as const;
      const page = await readModels.query<OwnerDoc>(REQUEST_OWNERS, { filters, sort, limit, offset });
      return { requestIds: page.items.map((doc) => doc.id), total: page.total, limit, offset };
    },
  });
}
