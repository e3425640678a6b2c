import { checkFinderLimit, checkSave } from '../../storage/adapter-checks';
import { checkDistinctIds } from '../../storage/batch';
import { MACHINE_STATUSES, type MachineStatus } from '../../domain/machine/machine-status';
import { Machine, type MachineSnapshot } from '../../domain/machine/machine';
import { Request, type RequestSnapshot } from '../../domain/request/request';
import { Template, type TemplateSnapshot } from '../../domain/template/template';
import { isTerminalRequestStatus, type RequestStatus } from '../../domain/request/request-status';
import { type RequestType } from '../../domain/shared/ids';
import { ValidationError } from '../../kernel/errors';
import type { MachineRepository, RequestRepository, TemplateRepository } from '../../storage/repositories';
import { SnapshotTable, type TableTransaction } from './snapshot-table';

/** The committed aggregate tables of one in-memory storage. */
export interface AggregateTables {
  readonly templates: SnapshotTable<TemplateSnapshot>;
  readonly requests: SnapshotTable<RequestSnapshot>;
  readonly machines: SnapshotTable<MachineSnapshot>;
}

/** Reads the idempotency key whether or not this release's snapshot declares it. */
export function idempotencyKeyOf(snapshot: RequestSnapshot): string | null {
  return (snapshot as { idempotencyKey?: string | null }).idempotencyKey ?? null;
}

const SEP = '\u0000';

/** Empty tables with the indexes every finder uses. */
export function createAggregateTables(): AggregateTables {
  return {
    templates: new SnapshotTable<TemplateSnapshot>('Template', (s) => s.templateId, []),
    requests: new SnapshotTable<RequestSnapshot>('Request', (s) => s.requestId, [
      { name: 'status', keys: (s) => [s.status] },
      { name: 'openByTemplate', keys: (s) => (s.templateId !== null && !isTerminalRequestStatus(s.status) ? [s.templateId] : []) },
      { name: 'idempotencyKey', keys: (s) => nonNull(idempotencyKeyOf(s)) },
    ]),
    machines: new SnapshotTable<MachineSnapshot>('Machine', (s) => s.machineId, [
      { name: 'status', keys: (s) => [s.status] },
      { name: 'request', keys: (s) => [s.requestId] },
      { name: 'returnRequest', keys: (s) => nonNull(s.returnRequestId) },
      { name: 'name', keys: (s) => nonNull(s.name) },
      { name: 'templateStatus', keys: (s) => [s.templateId + SEP + s.status] },
    ]),
  };
}

/** Template repository over one transaction's view. */
export function templateRepository(view: TableTransaction<TemplateSnapshot>, guard: () => void): TemplateRepository {
  const load = (s: TemplateSnapshot): Template => Template.restore(s);
  return {
    get: async (id) => (guard(), mapOne(view.read(id), load)),
    getMany: async (ids) => (guard(), unique(ids).flatMap((id) => mapOne(view.read(id), load) ?? [])),
    list: async () => (guard(), view.all().sort((a, b) => compare(a.templateId, b.templateId)).map(load)),
    save: async (template, expectedVersion) => (guard(), view.save(template.toSnapshot(), expectedVersion)),
    delete: async (id, expectedVersion) => (guard(), view.delete(id, expectedVersion)),
  };
}

/** Request repository over one transaction's view; finders return oldest first (createdAt, then id). */
export function requestRepository(view: TableTransaction<RequestSnapshot>, guard: () => void): RequestRepository {
  const load = (s: RequestSnapshot): Request => Request.restore(s);
  const oldestFirst = (found: RequestSnapshot[]): RequestSnapshot[] =>
    found.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.requestId, b.requestId));
  return {
    get: async (id) => (guard(), mapOne(view.read(id), load)),
    getMany: async (ids) => (guard(), unique(ids).flatMap((id) => mapOne(view.read(id), load) ?? [])),
    save: async (request, expectedVersion) => (guard(), view.save(request.toSnapshot(), expectedVersion)),
    findOpenByTemplate: async (templateId) => {
      guard();
      const open = (s: RequestSnapshot): boolean => s.templateId === templateId && !isTerminalRequestStatus(s.status);
      return oldestFirst(view.find('openByTemplate', [templateId], open)).map(load);
    },
    findByIdempotencyKey: async (key) => {
      guard();
      const [first] = oldestFirst(view.find('idempotencyKey', [key], (s) => idempotencyKeyOf(s) === key));
      return mapOne(first, load);
    },
    findByStatus: async (statuses: readonly RequestStatus[], options: { type?: RequestType; limit?: number } = {}) => {
      guard();
      const limit = checkFinderLimit(options.limit);
      const { type } = options;
      const matches = (s: RequestSnapshot): boolean => statuses.includes(s.status) && (type === undefined || s.type === type);
      return oldestFirst(view.find('status', unique(statuses), matches)).slice(0, limit).map(load);
    },
  };
}

/** Machine repository over one transaction's view; finders return oldest first (createdAt, then id). */
export function machineRepository(view: TableTransaction<MachineSnapshot>, guard: () => void): MachineRepository {
  const load = (s: MachineSnapshot): Machine => Machine.restore(s);
  const found = (list: MachineSnapshot[]): Machine[] =>
    list.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.machineId, b.machineId)).map(load);
  return {
    get: async (id) => (guard(), mapOne(view.read(id), load)),
    getMany: async (ids) => (guard(), unique(ids).flatMap((id) => mapOne(view.read(id), load) ?? [])),
    save: async (machine, expectedVersion) => (guard(), view.save(machine.toSnapshot(), expectedVersion)),
    saveMany: async (saves) => {
      guard();
      // Every argument is checked before the first write, so a bad entry writes nothing.
      checkDistinctIds('machine saveMany', saves.map((s) => s.machine.machineId));
      for (const { machine, expectedVersion } of saves) checkSave('Machine', machine.machineId, machine.version, expectedVersion);
      for (const { machine, expectedVersion } of saves) view.save(machine.toSnapshot(), expectedVersion);
    },
    findByRequest: async (requestId) => (guard(), found(view.find('request', [requestId], (s) => s.requestId === requestId))),
    findByReturnRequest: async (returnRequestId) => {
      guard();
      return found(view.find('returnRequest', [returnRequestId], (s) => s.returnRequestId === returnRequestId));
    },
    findByName: async (name) => (guard(), found(view.find('name', [name], (s) => s.name === name))),
    findByTemplate: async (templateId, statuses: readonly MachineStatus[] = MACHINE_STATUSES) => {
      guard();
      const keys = unique(statuses).map((status) => templateId + SEP + status);
      return found(view.find('templateStatus', keys, (s) => s.templateId === templateId && statuses.includes(s.status)));
    },
    findByStatus: async (statuses, options = {}) => {
      guard();
      const limit = checkFinderLimit(options.limit);
      return found(view.find('status', unique(statuses), (s) => statuses.includes(s.status))).slice(0, limit);
    },
  };
}


function mapOne<S, A>(snapshot: S | undefined, load: (s: S) => A): A | undefined {
  return snapshot === undefined ? undefined : load(snapshot);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function nonNull(value: string | null): string[] {
  return value === null ? [] : [value];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
