import { ValidationError } from '../../kernel/errors';
import { AggregateRoot } from '../shared/domain-event';
import { TemplateInUseError, TemplateNotFoundError } from '../shared/errors';
import { cloneJson, jsonEqual, type JsonValue } from '../shared/json';
import type { DomainContext } from '../shared/ports';
import { readStoredSnapshot } from '../shared/stored-schemas';
import type { Tags } from '../shared/tags';
import type { TemplateAttributes } from './template-attributes';
import { parseTemplateDefinition, type PriceType, type TemplateDefinition, type TemplateInput } from './template-definition';
import type { TemplateEvent } from './template.events';

/** Stored form of a Template (schema 1): its definition plus the aggregate's bookkeeping. */
export interface TemplateSnapshot extends TemplateDefinition {
  readonly schemaVersion: 1;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Set once the template is deleted; a deleted template accepts no further change. */
  readonly deletedAt: string | null;
}

/**
 * Changes for {@link Template.update}: any template input key. A top-level provider key set to
 * `undefined` is removed; `providerConfig`, when given, replaces the whole provider configuration.
 */
export type TemplateChanges = Partial<Omit<TemplateInput, 'templateId'>>;

interface TemplateState {
  definition: TemplateDefinition;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/** A class of machines the provider can create (aggregate, identity `templateId`). */
export class Template extends AggregateRoot<TemplateEvent> {
  #state: TemplateState;

  private constructor(state: TemplateState, version: number) {
    super(version);
    this.#state = state;
  }

  /** Validates `input` (VALIDATION_FAILED with every problem) and records TemplateCreated. */
  static create(input: TemplateInput, ctx: DomainContext): Template {
    const definition = parseTemplateDefinition(input);
    const template = new Template({ definition, createdAt: ctx.now, updatedAt: ctx.now, deletedAt: null }, 0);
    template.beginChange();
    template.record('TemplateCreated', { template: cloneJson(definition) }, ctx);
    return template;
  }

  /** Rebuilds a template from its snapshot; records nothing. Upcasts an older schema; throws SCHEMA_VERSION_UNSUPPORTED for one this release cannot read. */
  static restore(snapshot: TemplateSnapshot): Template {
    snapshot = readStoredSnapshot('Template', snapshot);
    const { schemaVersion: _s, version, createdAt, updatedAt, deletedAt, ...definition } = cloneJson(snapshot);
    return new Template(
      {
        definition,
        createdAt: new Date(createdAt),
        updatedAt: new Date(updatedAt),
        deletedAt: deletedAt === null ? null : new Date(deletedAt),
      },
      version,
    );
  }

  protected get aggregateType(): 'Template' {
    return 'Template';
  }
  protected get aggregateId(): string {
    return this.#state.definition.templateId;
  }

  get templateId(): string { return this.#state.definition.templateId; }
  get maxNumber(): number { return this.#state.definition.maxNumber; }
  get attributes(): TemplateAttributes { return cloneJson(this.#state.definition.attributes); }
  get priceType(): PriceType { return this.#state.definition.priceType; }
  get vmType(): string | null { return this.#state.definition.vmType; }
  get vmTypes(): Readonly<Record<string, number>> | null { return cloneJson(this.#state.definition.vmTypes); }
  get imageId(): string | null { return this.#state.definition.imageId; }
  get subnetIds(): readonly string[] { return cloneJson(this.#state.definition.subnetIds); }
  get securityGroupIds(): readonly string[] { return cloneJson(this.#state.definition.securityGroupIds); }
  get keyName(): string | null { return this.#state.definition.keyName; }
  get userData(): string | null { return this.#state.definition.userData; }
  get instanceTags(): Tags { return cloneJson(this.#state.definition.instanceTags); }
  get providerApi(): string | null { return this.#state.definition.providerApi; }
  get providerConfig(): Readonly<Record<string, JsonValue>> { return cloneJson(this.#state.definition.providerConfig); }
  get active(): boolean { return this.#state.definition.active; }
  get createdAt(): Date { return new Date(this.#state.createdAt); }
  get updatedAt(): Date { return new Date(this.#state.updatedAt); }
  get deleted(): boolean { return this.#state.deletedAt !== null; }

  /** The whole validated definition (a copy). */
  get definition(): TemplateDefinition {
    return cloneJson(this.#state.definition);
  }

  /**
   * Applies `changes` over the current definition and re-validates the result (VALIDATION_FAILED,
   * nothing changed). Records TemplateUpdated with the changed field names; a no-op when nothing differs.
   */
  update(changes: TemplateChanges, ctx: DomainContext): void {
    this.#assertNotDeleted();
    if (Object.hasOwn(changes, 'templateId') && (changes as { templateId?: unknown }).templateId !== this.templateId) {
      throw new ValidationError('template changes', [
        { path: 'templateId', constraint: 'immutable', message: `the id of template "${this.templateId}" cannot change; create a new template instead` },
      ]);
    }
    const { providerConfig, ...current } = this.#state.definition;
    const replacesConfig = Object.hasOwn(changes, 'providerConfig');
    const base: Record<string, unknown> = replacesConfig ? { ...current } : { ...current, ...providerConfig };
    if (Object.hasOwn(changes, 'subnetId')) delete base.subnetIds;
    const next = parseTemplateDefinition({ ...base, ...changes, templateId: this.templateId });
    const changedFields = (Object.keys(next) as (keyof TemplateDefinition)[]).filter(
      (key) => !jsonEqual(next[key], this.#state.definition[key]),
    );
    if (changedFields.length === 0) return;
    this.beginChange();
    this.#state = { ...this.#state, definition: next, updatedAt: ctx.now };
    this.record('TemplateUpdated', { changedFields, template: cloneJson(next) }, ctx);
  }

  /** Lets the template take new requests again; a no-op when already active. */
  activate(ctx: DomainContext): void {
    this.update({ active: true }, ctx);
  }

  /** Stops the template from being offered or taking new requests; existing machines are untouched. No-op when inactive. */
  deactivate(ctx: DomainContext): void {
    this.update({ active: false }, ctx);
  }

  /**
   * Deletes the template. `openRequestIds` are the non-terminal requests that reference it (the
   * caller looks them up); any → TEMPLATE_IN_USE and nothing changes. Records TemplateDeleted.
   */
  delete(openRequestIds: readonly string[], ctx: DomainContext): void {
    this.#assertNotDeleted();
    if (openRequestIds.length > 0) throw new TemplateInUseError(this.templateId, openRequestIds);
    this.beginChange();
    this.#state = { ...this.#state, deletedAt: ctx.now, updatedAt: ctx.now };
    this.record('TemplateDeleted', { templateId: this.templateId }, ctx);
  }

  /** Plain JSON-safe state (dates as ISO strings), schema 1: the storage contract. */
  toSnapshot(): TemplateSnapshot {
    const { definition, createdAt, updatedAt, deletedAt } = this.#state;
    return {
      schemaVersion: 1,
      ...cloneJson(definition),
      version: this.version,
      createdAt: createdAt.toISOString(),
      updatedAt: updatedAt.toISOString(),
      deletedAt: deletedAt === null ? null : deletedAt.toISOString(),
    };
  }

  #assertNotDeleted(): void {
    if (this.#state.deletedAt !== null) throw new TemplateNotFoundError(this.templateId);
  }
}

