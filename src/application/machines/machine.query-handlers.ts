import { MachineNotFoundError } from '../../domain/shared/errors';
import { queryHandler, type QueryHandler } from '../../kernel';
import { fromPlain } from '../read-models/dto';
import { MachineDto } from '../read-models/machine.dto';
import type { Page } from '../read-models/page';
import { readPage } from '../read-models/paged-query';
import { COLLECTIONS } from '../read-models/projections';
import { RUNTIME, type Runtime } from '../runtime';
import type { ReadModelFilter } from '../../storage/read-model-store';
import { GetMachine, ListMachines } from './machine.queries';

const inject = { inject: [RUNTIME] };

/** Handles {@link GetMachine}. */
@queryHandler(GetMachine, inject)
export class GetMachineHandler implements QueryHandler<GetMachine> {
  constructor(private readonly runtime: Runtime) {}

  async handle(query: GetMachine): Promise<MachineDto> {
    const doc = await this.runtime.storage.readModels.get(COLLECTIONS.machines, query.machineId);
    if (doc === undefined) throw new MachineNotFoundError(query.machineId);
    return fromPlain(MachineDto, doc);
  }
}

/** Handles {@link ListMachines}. */
@queryHandler(ListMachines, inject)
export class ListMachinesHandler implements QueryHandler<ListMachines> {
  constructor(private readonly runtime: Runtime) {}

  handle(query: ListMachines): Promise<Page<MachineDto>> {
    const filters: ReadModelFilter[] = [];
    if (query.requestId !== undefined) filters.push({ field: 'requestId', eq: query.requestId });
    if (query.templateId !== undefined) filters.push({ field: 'templateId', eq: query.templateId });
    if (query.status !== undefined) filters.push({ field: 'status', eq: query.status });
    return readPage(this.runtime.storage.readModels, COLLECTIONS.machines, MachineDto, filters, query.limit ?? 50, query.offset ?? 0);
  }
}

