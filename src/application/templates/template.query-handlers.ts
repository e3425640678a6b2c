import { parseTemplateDefinition, type TemplateDefinition } from '../../domain/template/template-definition';
import { remainingCapacity, requestableUnits } from '../../domain/template/template-capacity';
import { TemplateNotFoundError } from '../../domain/shared/errors';
import { queryHandler, ValidationError, type QueryHandler } from '../../kernel';
import { fromPlain } from '../read-models/dto';
import { COLLECTIONS, TOMBSTONE } from '../read-models/projections';
import { queryAll } from '../read-models/query-all';
import { TemplateDto } from '../read-models/template.dto';
import { CAPACITY_HOLDING_STATUSES, committedUnits } from '../requests/capacity';
import { RUNTIME, type Runtime } from '../runtime';
import type { ReadModelDocument, ReadModelStore } from '../../storage/read-model-store';
import type { TemplateIssuesReport } from './template.commands';
import { GetTemplate, ListTemplates, ValidateTemplateQuery } from './template.queries';

type TemplateDoc = ReadModelDocument & TemplateDefinition & { createdAt: string; updatedAt: string; version: number };
type MachineDoc = ReadModelDocument & { status: string; instanceType: string | null; name: string | null; requestId: string };
type RequestDoc = ReadModelDocument & { requestId: string; requestedCount: number; machineIds: string[] };

const OPEN = ['pending', 'in_progress'];

/** Reads the capacity facts of a template from the read models and builds its DTO. */
async function toDto(store: ReadModelStore, doc: TemplateDoc, includeConfiguration: boolean): Promise<TemplateDto> {
  const live = await queryAll<MachineDoc>(store, COLLECTIONS.machines, [
    { field: 'templateId', eq: doc.templateId },
    { field: 'status', in: [...CAPACITY_HOLDING_STATUSES] },
  ]);
  const open = await queryAll<RequestDoc>(store, COLLECTIONS.requests, [
    { field: 'templateId', eq: doc.templateId },
    { field: 'status', in: OPEN },
  ]);
  const attached = new Map<string, MachineDoc[]>();
  for (const request of open) {
    attached.set(request.requestId, await store.getMany<MachineDoc>(COLLECTIONS.machines, request.machineIds));
  }
  const used = committedUnits(doc, live as never, open, (r) => (attached.get(r.requestId) ?? []) as never);
  const { id: _id, _position, providerConfig, userData, ...fields } = doc as TemplateDoc & { _position?: number };
  const plain: Record<string, unknown> = {
    ...fields,
    // What a request may ask for, not the units left: on a weighted template they differ (issue 25).
    availableNumber: requestableUnits(doc, remainingCapacity(doc, used)),
    requestedMachines: live.map((m) => m.name).filter((n): n is string => n !== null),
  };
  if (includeConfiguration) plain.configuration = { userData, providerConfig };
  return fromPlain(TemplateDto, plain);
}

/** Handles {@link ListTemplates}. */
@queryHandler(ListTemplates, { inject: [RUNTIME] })
export class ListTemplatesHandler implements QueryHandler<ListTemplates> {
  constructor(private readonly runtime: Runtime) {}

  async handle(query: ListTemplates): Promise<TemplateDto[]> {
    const store = this.runtime.storage.readModels;
    const filters = [
      { field: TOMBSTONE, eq: null },
      ...(query.activeOnly !== false ? [{ field: 'active', eq: true }] : []),
      ...(query.providerApi !== undefined ? [{ field: 'providerApi', eq: query.providerApi }] : []),
    ];
    const docs = await queryAll<TemplateDoc>(store, COLLECTIONS.templates, filters);
    return Promise.all(docs.map((doc) => toDto(store, doc, query.includeConfiguration === true)));
  }
}

/** Handles {@link GetTemplate}. */
@queryHandler(GetTemplate, { inject: [RUNTIME] })
export class GetTemplateHandler implements QueryHandler<GetTemplate> {
  constructor(private readonly runtime: Runtime) {}

  async handle(query: GetTemplate): Promise<TemplateDto> {
    const store = this.runtime.storage.readModels;
    const doc = await store.get<TemplateDoc>(COLLECTIONS.templates, query.templateId);
    if (doc === undefined || doc[TOMBSTONE] === true) throw new TemplateNotFoundError(query.templateId);
    return toDto(store, doc, query.includeConfiguration === true);
  }
}

/** Handles {@link ValidateTemplateQuery}. */
@queryHandler(ValidateTemplateQuery)
export class ValidateTemplateQueryHandler implements QueryHandler<ValidateTemplateQuery> {
  handle(query: ValidateTemplateQuery): TemplateIssuesReport {
    try {
      parseTemplateDefinition(query.template);
      return { valid: true, issues: [] };
    } catch (error) {
      if (error instanceof ValidationError) return { valid: false, issues: [...error.issues] };
      throw error;
    }
  }
}
