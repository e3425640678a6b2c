import { ConcurrencyConflictError, TemplateAlreadyExistsError, TemplateNotFoundError } from '../../domain/shared/errors';
import { parseTemplateDefinition } from '../../domain/template/template-definition';
import { Template } from '../../domain/template/template';
import { commandHandler, isKernelError, ValidationError, type CommandHandler, type HandlerContext } from '../../kernel';
import { isRecord, underPath } from '../../kernel/validation';
import { domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession, Session } from '../session';
import {
  CreateTemplate,
  DeleteTemplate,
  ImportTemplates,
  UpdateTemplate,
  ValidateTemplate,
  type ImportedTemplate,
  type TemplateChangeResult,
  type TemplateValidationReport,
} from './template.commands';
import { applyTemplateDefaults } from './template-defaults';
import { readTemplatesDocument } from './templates-document';

const inject = { inject: [RUNTIME] };

/** Handles {@link CreateTemplate}. */
@commandHandler(CreateTemplate, inject)
export class CreateTemplateHandler implements CommandHandler<CreateTemplate> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: CreateTemplate, context: HandlerContext): Promise<TemplateChangeResult> {
    const ctx = domainContext(this.runtime, context);
    return inSession(this.runtime.storage, async (session) => {
      const template = underPath('template', 'template', () => Template.create(command.template as never, ctx));
      if ((await session.template(template.templateId)) !== undefined) throw new TemplateAlreadyExistsError(template.templateId);
      checkWithProvider(this.runtime, template);
      session.add('template', template);
      return { templateId: template.templateId, version: template.version };
    });
  }
}

/** Handles {@link UpdateTemplate}. */
@commandHandler(UpdateTemplate, inject)
export class UpdateTemplateHandler implements CommandHandler<UpdateTemplate> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: UpdateTemplate, context: HandlerContext): Promise<TemplateChangeResult> {
    const ctx = domainContext(this.runtime, context);
    return inSession(this.runtime.storage, async (session) => {
      const template = await session.template(command.templateId);
      if (template === undefined) throw new TemplateNotFoundError(command.templateId);
      if (command.expectedVersion !== undefined && command.expectedVersion !== template.version) {
        throw new ConcurrencyConflictError('Template', command.templateId, command.expectedVersion, template.version);
      }
      underPath('changes', 'template changes', () => template.update(command.changes as never, ctx));
      checkWithProvider(this.runtime, template);
      return { templateId: template.templateId, version: template.version };
    });
  }
}

/** Handles {@link DeleteTemplate}. */
@commandHandler(DeleteTemplate, inject)
export class DeleteTemplateHandler implements CommandHandler<DeleteTemplate> {
  constructor(private readonly runtime: Runtime) {}

  handle(command: DeleteTemplate, context: HandlerContext): Promise<{ templateId: string }> {
    const ctx = domainContext(this.runtime, context);
    return inSession(this.runtime.storage, async (session) => {
      // The template lock keeps a request from being admitted while the template is being deleted.
      await session.tx.lock(`template:${command.templateId}`);
      const template = await session.template(command.templateId);
      if (template === undefined) throw new TemplateNotFoundError(command.templateId);
      const open = await session.tx.requests.findOpenByTemplate(command.templateId);
      template.delete(open.map((r) => r.requestId), ctx);
      session.remove(template);
      return { templateId: command.templateId };
    });
  }
}

/** Lets the provider refuse a template it can never serve (ProviderPort.checkTemplate), before it is stored. */
function checkWithProvider(runtime: Runtime, template: Template): void {
  runtime.provider.checkTemplate?.(template.toSnapshot());
}

/** Validates `raw` and upserts it in `session`; returns what happened. */
async function upsert(runtime: Runtime, session: Session, raw: unknown, ctx: ReturnType<typeof domainContext>): Promise<{ action: 'created' | 'updated' | 'unchanged'; template: Template }> {
  const definition = parseTemplateDefinition(raw);
  const existing = await session.template(definition.templateId);
  if (existing === undefined) {
    const created = Template.create(raw as never, ctx);
    checkWithProvider(runtime, created);
    return { action: 'created', template: session.add('template', created) };
  }
  const before = existing.version;
  // The document is the source of truth: keys it no longer has are removed, not kept.
  const current = existing.definition;
  const cleared: Record<string, undefined> = {};
  for (const key of [...Object.keys(current), ...Object.keys(current.providerConfig)]) {
    if (key !== 'templateId' && key !== 'providerConfig' && !Object.hasOwn(raw as object, key)) cleared[key] = undefined;
  }
  existing.update({ ...cleared, ...(raw as object) } as never, ctx);
  checkWithProvider(runtime, existing);
  return { action: existing.version === before ? 'unchanged' : 'updated', template: existing };
}

/** Handles {@link ValidateTemplate}: runs the upsert in a transaction that is always rolled back. */
@commandHandler(ValidateTemplate, inject)
export class ValidateTemplateHandler implements CommandHandler<ValidateTemplate> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: ValidateTemplate, context: HandlerContext): Promise<TemplateValidationReport> {
    const ctx = domainContext(this.runtime, context);
    const dryRun = Symbol('dry run');
    let report: TemplateValidationReport | undefined;
    try {
      await this.runtime.storage.unitOfWork.transaction(async (tx) => {
        const { action } = await upsert(this.runtime, new Session(tx), command.template, ctx);
        report = { valid: true, issues: [], action: action === 'created' ? 'create' : action === 'updated' ? 'update' : 'unchanged' };
        throw dryRun;
      });
    } catch (error) {
      if (error === dryRun && report !== undefined) return report;
      if (error instanceof ValidationError) return { valid: false, issues: [...error.issues], action: 'invalid' };
      // A provider's refusal (checkTemplate) names the key: reported like a field that failed.
      if (isKernelError(error) && typeof error.details.key === 'string' && typeof error.details.templateId === 'string') {
        return { valid: false, issues: [{ path: error.details.key, constraint: error.code, message: error.message }], action: 'invalid' };
      }
      throw error;
    }
    throw new Error('unreachable: a dry run always rolls back');
  }
}

/** Handles {@link ImportTemplates}: one transaction per template, a report line per template. */
@commandHandler(ImportTemplates, inject)
export class ImportTemplatesHandler implements CommandHandler<ImportTemplates> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: ImportTemplates, context: HandlerContext): Promise<{ templates: ImportedTemplate[] }> {
    const listed = readTemplatesDocument(command.document, 'document');
    const hasDefaults = isRecord(command.document) && command.document.defaults !== undefined;
    const entries = hasDefaults ? applyTemplateDefaults({ ...(command.document as object), templates: listed }, command.provider).templates : listed;
    const report: ImportedTemplate[] = [];
    const seen = new Set<string>();
    for (const raw of entries) {
      const templateId = typeof (raw as { templateId?: unknown })?.templateId === 'string' ? (raw as { templateId: string }).templateId : null;
      if (templateId !== null) seen.add(templateId);
      try {
        const ctx = domainContext(this.runtime, context);
        const outcome = await inSession(this.runtime.storage, (session) => upsert(this.runtime, session, raw, ctx));
        report.push({ templateId: outcome.template.templateId, action: outcome.action, version: outcome.template.version });
      } catch (error) {
        if (!isKernelError(error)) throw error;
        report.push({
          templateId,
          action: 'failed',
          code: error.code,
          message: error.message,
          ...(error instanceof ValidationError ? { issues: [...error.issues] } : {}),
        });
      }
    }
    if (command.deactivateMissing) await this.deactivateMissing(seen, report, context);
    return { templates: report };
  }

  private async deactivateMissing(seen: ReadonlySet<string>, report: ImportedTemplate[], context: HandlerContext): Promise<void> {
    const ctx = domainContext(this.runtime, context);
    const stored = await this.runtime.storage.unitOfWork.transaction((tx) => tx.templates.list());
    for (const template of stored) {
      if (seen.has(template.templateId) || !template.active) continue;
      // Read again in the transaction that deactivates it: a template deleted or deactivated since the
      // list (another call, an operator) needs nothing and gets no line; the line gives the version saved.
      const version = await inSession(this.runtime.storage, async (session) => {
        const current = await session.template(template.templateId);
        if (current === undefined || !current.active) return undefined;
        current.deactivate(ctx);
        return current.version;
      });
      if (version !== undefined) report.push({ templateId: template.templateId, action: 'updated', version });
    }
  }
}
