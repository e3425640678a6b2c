import { Allow, IsBoolean, IsInt, IsObject, IsOptional, IsString, Min } from 'class-validator';
import type { ValidationIssue } from '../../kernel';
import { Command } from '../../kernel';

/** What a template command did: its id and the template's new version. */
export interface TemplateChangeResult {
  templateId: string;
  version: number;
}

/** Creates a template from a Symphony-style template object. Fails with `TEMPLATE_ALREADY_EXISTS`. */
export class CreateTemplate extends Command<TemplateChangeResult> {
  /** Template keys as in a Symphony templates file; unknown keys are kept as provider configuration. */
  @IsObject()
  template!: Record<string, unknown>;
}

/** Changes a template: any template key but `templateId`. Fails with `TEMPLATE_NOT_FOUND`. */
export class UpdateTemplate extends Command<TemplateChangeResult> {
  @IsString()
  templateId!: string;

  @IsObject()
  changes!: Record<string, unknown>;

  /** When given, the update fails with `CONCURRENCY_CONFLICT` unless the template is at this version. */
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

/** Deletes a template no open request uses (`TEMPLATE_IN_USE` otherwise). */
export class DeleteTemplate extends Command<{ templateId: string }> {
  @IsString()
  templateId!: string;
}

/** Outcome of checking a template configuration against the rules. */
export interface TemplateIssuesReport {
  valid: boolean;
  /** Every problem, with paths such as `attributes.ncpus`. */
  issues: ValidationIssue[];
}

/** Outcome of a dry run of saving a template. */
export interface TemplateValidationReport extends TemplateIssuesReport {
  /** What saving it would do: create a new template, update an existing one, or change nothing. */
  action: 'create' | 'update' | 'unchanged' | 'invalid';
}

/**
 * A dry run of saving a template: validates it against the rules and against what is stored (would
 * it create or update?) and writes nothing.
 */
export class ValidateTemplate extends Command<TemplateValidationReport> {
  @IsObject()
  template!: Record<string, unknown>;
}

/** Per-template outcome of {@link ImportTemplates}. */
export interface ImportedTemplate {
  templateId: string | null;
  action: 'created' | 'updated' | 'unchanged' | 'failed';
  version?: number;
  /** Why it failed: the error code and its issues. */
  code?: string;
  message?: string;
  issues?: ValidationIssue[];
}

/**
 * Upserts every template of a Symphony templates document (`{ templates: [...] }` or a bare array),
 * its `defaults` section applied first (docs/templates.md; a bad defaults section fails the whole
 * command with VALIDATION_FAILED). Each template is saved on its own; one bad template does not stop the others.
 */
export class ImportTemplates extends Command<{ templates: ImportedTemplate[] }> {
  /** The parsed templates document. */
  @Allow()
  document!: unknown;

  /** Deactivate stored templates the document does not mention. Default false. */
  @IsOptional()
  @IsBoolean()
  deactivateMissing?: boolean;

  /** The provider instance (`name`, `type`) whose `defaults` levels apply to a document that has a `defaults` section. */
  @IsOptional()
  @IsObject()
  provider?: { name?: string; type?: string };
}
