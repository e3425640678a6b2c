import { IsBoolean, IsObject, IsOptional, IsString } from 'class-validator';
import { Query } from '../../kernel';
import type { TemplateDto } from '../read-models/template.dto';
import type { TemplateIssuesReport } from './template.commands';

/** Lists templates, each with the capacity left. Default: active templates, no provider configuration. */
export class ListTemplates extends Query<TemplateDto[]> {
  /** Only templates of this provider mechanism. */
  @IsOptional()
  @IsString()
  providerApi?: string;

  @IsOptional()
  @IsBoolean()
  activeOnly?: boolean = true;

  @IsOptional()
  @IsBoolean()
  includeConfiguration?: boolean = false;
}

/** One template (`TEMPLATE_NOT_FOUND` if there is none). */
export class GetTemplate extends Query<TemplateDto> {
  @IsString()
  templateId!: string;

  @IsOptional()
  @IsBoolean()
  includeConfiguration?: boolean = false;
}

/** Checks a template configuration against the rules; reads nothing and writes nothing. */
export class ValidateTemplateQuery extends Query<TemplateIssuesReport> {
  @IsObject()
  template!: Record<string, unknown>;
}
