import type { DomainEventBase } from '../shared/event-base';
import type { TemplateDefinition } from './template-definition';

/** A template was created; carries its whole definition. */
export type TemplateCreated = DomainEventBase<'TemplateCreated', 'Template', {
  readonly template: TemplateDefinition;
}>;

/** A template changed; names the changed top-level fields and carries the whole new definition. */
export type TemplateUpdated = DomainEventBase<'TemplateUpdated', 'Template', {
  readonly changedFields: readonly (keyof TemplateDefinition)[];
  readonly template: TemplateDefinition;
}>;

/** A template was deleted (no open request referenced it). */
export type TemplateDeleted = DomainEventBase<'TemplateDeleted', 'Template', {
  readonly templateId: string;
}>;

/** Every event a Template records. */
export type TemplateEvent = TemplateCreated | TemplateUpdated | TemplateDeleted;
