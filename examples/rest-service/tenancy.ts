import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateNested } from 'class-validator';
import { KernelError, Query, type HostFactory, type Projection, type ReadModelDocument, type ReadModelStore, type RequestStatus, type RequestType } from 'hostfactory-kernel';
import { REQUEST_STATUSES, type StoredEvent } from 'hostfactory-kernel/storage';
import { dispatchPrincipal } from './access';
import type { Principal } from './auth';

/** The collection of {@link requestOwnersProjection}: one document per request a caller made. */
export const REQUEST_OWNERS = 'rest_request_owners';
/** Its second collection: one document per machine of an owned request (the request's owner). */
export const MACHINE_OWNERS = 'rest_machine_owners';

/** Who made a request: its tenant and subject. */
export interface RequestOwner {
  readonly requestId: string;
  readonly tenant: string;
  readonly subject: string;
}

type MachineOwnerDoc = ReadModelDocument & { tenant: string; requestId: string; name: string | null; _position: number };

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
 * host's own code) have no owner: only the admin scope sees them. A machine belongs to the owner of
 * the request it was created for (not to whoever polled when it appeared); its host name is kept to
 * resolve returns by name. Idempotent by position.
 */
export const requestOwnersProjection: Projection = {
  name: 'rest-request-owners',
  collections: [REQUEST_OWNERS, MACHINE_OWNERS],
  async apply(stored, store) {
    const event = stored.event;
    if (event.aggregateType === 'Machine') return applyToMachine(stored, store);
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

async function applyToMachine(stored: StoredEvent, store: ReadModelStore): Promise<void> {
  const event = stored.event;
  if (event.aggregateType !== 'Machine') return;
  const current = await store.get<MachineOwnerDoc>(MACHINE_OWNERS, event.aggregateId);
  if (current !== undefined && current._position >= stored.position) return;
  if (event.type === 'MachineCreated') {
    const { requestId, name } = event.data.machine;
    const owner = await store.get<OwnerDoc>(REQUEST_OWNERS, requestId);
    if (owner === undefined) return;
    await store.put(MACHINE_OWNERS, { id: event.aggregateId, tenant: owner.tenant, requestId, name, _position: stored.position });
  } else if ((event.type === 'MachineUpdated' || event.type === 'MachineStatusChanged') && current !== undefined && event.data.facts.name !== undefined) {
    await store.put(MACHINE_OWNERS, { ...current, name: event.data.facts.name, _position: stored.position });
  }
}

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

/**
 * The ids of the caller's tenant's requests, filtered and paged like `ListRequests`. The tenant is
 * not a field: the handler takes it from the dispatch's principal, so no caller can name another.
 */
export class ListOwnedRequests extends Query<OwnedRequestPage> {
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

/** A machine as `RequestReturnMachines` names it: by id, or by host name. */
export class MachineRef {
  @IsOptional()
  @IsString()
  machineId?: string;

  @IsOptional()
  @IsString()
  name?: string;
}

/** The tenant owning each machine reference, in order (`null`: unknown or unowned). */
export class GetMachineOwners extends Query<(string | null)[]> {
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => MachineRef)
  machines!: MachineRef[];
}

/**
 * Routes {@link GetRequestOwner}, {@link GetMachineOwners} and {@link ListOwnedRequests} on `hostFactory`'s query bus, reading
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
  hostFactory.queries.register(GetMachineOwners, {
    async handle(query) {
      const ids = query.machines.flatMap((m) => (m.machineId === undefined ? [] : [m.machineId]));
      const names = query.machines.flatMap((m) => (m.machineId === undefined && m.name !== undefined ? [m.name] : []));
      const byId = new Map((await readModels.getMany<MachineOwnerDoc>(MACHINE_OWNERS, ids)).map((d) => [d.id, d.tenant]));
      // Clouds reuse host names: a name is a tenant's only when every machine that had it was that tenant's.
      const byName = new Map<string, Set<string>>();
      for (let at = 0; at < names.length; at += 500) {
        const chunk = names.slice(at, at + 500);
        for (let offset = 0; ; offset += 1000) {
          const page = await readModels.query<MachineOwnerDoc>(MACHINE_OWNERS, { filters: [{ field: 'name', in: chunk }], limit: 1000, offset });
          for (const doc of page.items) if (doc.name !== null) byName.set(doc.name, (byName.get(doc.name) ?? new Set()).add(doc.tenant));
          if (offset + page.items.length >= page.total || page.items.length === 0) break;
        }
      }
      const onlyOwner = (name: string | undefined) => {
        const tenants = byName.get(name ?? '');
        return tenants?.size === 1 ? [...tenants][0]! : null;
      };
      return query.machines.map((m) => (m.machineId === undefined ? onlyOwner(m.name) : (byId.get(m.machineId) ?? null)));
    },
  });
  hostFactory.queries.register(ListOwnedRequests, {
    async handle(query, context) {
      const principal = dispatchPrincipal(context);
      if (principal === undefined) throw new KernelError('UNAUTHENTICATED_DISPATCH', 'ListOwnedRequests lists the caller’s requests: dispatch it with metadata.principal (http-input.ts dispatch()).');
      const filters = [{ field: 'tenant', eq: principal.tenant }];
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
