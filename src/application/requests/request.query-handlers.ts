import { machineResult, machineResultMessage } from '../../domain/machine/machine-result';
import { RequestNotFoundError } from '../../domain/shared/errors';
import { type MachineStatus } from '../../domain/machine/machine-status';
import { type RequestType } from '../../domain/shared/ids';
import { queryHandler, type QueryHandler } from '../../kernel';
import { fromPlain } from '../read-models/dto';
import { ReclaimDto } from '../read-models/machine.dto';
import type { Page } from '../read-models/page';
import { NEWEST_FIRST, readPage } from '../read-models/paged-query';
import { COLLECTIONS } from '../read-models/projections';
import { queryAll } from '../read-models/query-all';
import { RequestDto, RequestStatusDto } from '../read-models/request.dto';
import { RUNTIME, type Runtime } from '../runtime';
import type { ReadModelDocument, ReadModelFilter, ReadModelStore } from '../../storage/read-model-store';
import { GetRequest, GetRequestStatus, GetReturnRequests, ListRequests, ListReturnRequests } from './request.queries';

type RequestDoc = ReadModelDocument & {
  requestId: string;
  type: RequestType;
  machineIds: string[];
  terminationFailures?: Record<string, string>;
};
type MachineDoc = ReadModelDocument & { machineId: string; name: string | null; status: MachineStatus; statusReason: string };

const inject = { inject: [RUNTIME] };
async function requestDoc(store: ReadModelStore, requestId: string): Promise<RequestDoc> {
  const doc = await store.get<RequestDoc>(COLLECTIONS.requests, requestId);
  if (doc === undefined) throw new RequestNotFoundError(requestId);
  return doc;
}

/** Handles {@link GetRequest}. */
@queryHandler(GetRequest, inject)
export class GetRequestHandler implements QueryHandler<GetRequest> {
  constructor(private readonly runtime: Runtime) {}

  async handle(query: GetRequest): Promise<RequestDto> {
    return fromPlain(RequestDto, await requestDoc(this.runtime.storage.readModels, query.requestId));
  }
}

/** Handles {@link GetRequestStatus}: each machine's result comes from the one result table. */
@queryHandler(GetRequestStatus, inject)
export class GetRequestStatusHandler implements QueryHandler<GetRequestStatus> {
  constructor(private readonly runtime: Runtime) {}

  async handle(query: GetRequestStatus): Promise<RequestStatusDto> {
    const store = this.runtime.storage.readModels;
    const doc = await requestDoc(store, query.requestId);
    const machines =
      query.includeMachines === false ? [] : await store.getMany<MachineDoc>(COLLECTIONS.machines, doc.machineIds);
    return fromPlain(RequestStatusDto, {
      ...doc,
      machines: machines.map((m) => {
        // A machine the provider refused to terminate has failed its return (unless it is gone by now).
        const refused = doc.type === 'return' && m.status !== 'terminated' ? doc.terminationFailures?.[m.machineId] : undefined;
        if (refused !== undefined) return { ...m, result: 'fail', message: `The provider refused to terminate it: ${refused}` };
        return { ...m, result: machineResult(doc.type, m.status), message: machineResultMessage(doc.type, m.status, m.statusReason) };
      }),
    });
  }
}

/** Handles {@link ListRequests}. */
@queryHandler(ListRequests, inject)
export class ListRequestsHandler implements QueryHandler<ListRequests> {
  constructor(private readonly runtime: Runtime) {}

  handle(query: ListRequests): Promise<Page<RequestDto>> {
    const filters: ReadModelFilter[] = [];
    if (query.status !== undefined) filters.push({ field: 'status', eq: query.status });
    if (query.type !== undefined) filters.push({ field: 'type', eq: query.type });
    if (query.templateId !== undefined) filters.push({ field: 'templateId', eq: query.templateId });
    return readPage(this.runtime.storage.readModels, COLLECTIONS.requests, RequestDto, filters, query.limit ?? 50, query.offset ?? 0);
  }
}

/** Handles {@link ListReturnRequests}. */
@queryHandler(ListReturnRequests, inject)
export class ListReturnRequestsHandler implements QueryHandler<ListReturnRequests> {
  constructor(private readonly runtime: Runtime) {}

  handle(query: ListReturnRequests): Promise<Page<RequestDto>> {
    const filters: ReadModelFilter[] = [{ field: 'type', eq: 'return' }];
    if (query.status !== undefined) filters.push({ field: 'status', eq: query.status });
    return readPage(this.runtime.storage.readModels, COLLECTIONS.requests, RequestDto, filters, query.limit ?? 50, query.offset ?? 0);
  }
}

/** Statuses of a held machine that the cloud no longer runs for Symphony: listed with grace period 0. */
const TAKEN_BACK: ReadonlySet<MachineStatus> = new Set<MachineStatus>(['stopping', 'stopped', 'shutting-down', 'terminated', 'failed', 'unknown']);

/**
 * Handles {@link GetReturnRequests}: the recorded reclaim notices, then every held machine (from
 * `machines`) the cloud took back (any status in which it no longer runs), with grace period 0.
 */
@queryHandler(GetReturnRequests, inject)
export class GetReturnRequestsHandler implements QueryHandler<GetReturnRequests> {
  constructor(private readonly runtime: Runtime) {}

  async handle(query: GetReturnRequests): Promise<ReclaimDto[]> {
    const store = this.runtime.storage.readModels;
    const oldest = query.maxAgeSeconds === undefined ? undefined : this.runtime.clock.now().getTime() - query.maxAgeSeconds * 1000;
    const notices = (await queryAll<ReadModelDocument & { name: string | null; machineId: string; gracePeriod: number; reason: string; noticedAt: string }>(
      store,
      COLLECTIONS.reclaimNotices,
    )).filter((n) => oldest === undefined || Date.parse(n.noticedAt) >= oldest);
    const wanted: ReclaimDto[] = notices.map((n) =>
      fromPlain(ReclaimDto, { machineId: n.machineId, machine: n.name ?? n.machineId, gracePeriod: n.gracePeriod, reason: n.reason }),
    );
    const listed = new Set(wanted.map((w) => w.machine));
    for (const held of query.machines ?? []) {
      const machine = await this.findHeld(store, held.machineId, held.name);
      if (machine === undefined || !TAKEN_BACK.has(machine.status)) continue;
      const name = machine.name ?? held.name ?? machine.machineId;
      if (listed.has(name)) continue;
      listed.add(name);
      wanted.push(fromPlain(ReclaimDto, { machineId: machine.machineId, machine: name, gracePeriod: 0, reason: `The machine is ${machine.status} (${machine.statusReason || 'no reason given'}).` }));
    }
    return wanted;
  }

  private async findHeld(store: ReadModelStore, machineId: string | undefined, name: string | undefined): Promise<MachineDoc | undefined> {
    if (machineId !== undefined) return store.get<MachineDoc>(COLLECTIONS.machines, machineId);
    if (name === undefined) return undefined;
    const found = await store.query<MachineDoc>(COLLECTIONS.machines, { filters: [{ field: 'name', eq: name }], sort: NEWEST_FIRST, limit: 1 });
    return found.items[0];
  }
}
