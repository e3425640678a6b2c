import type { JsonValue } from '../../domain/shared/json';
import type { TemplateAttributes } from '../../domain/template/template-attributes';
import { Dto, Field, IsoDate, JsonField } from './dto';

/** A template as queries return it. `configuration` is present only when asked for. */
@Dto()
export class TemplateDto {
  @Field() templateId!: string;
  /** −1 = unlimited (capped at 10000), 0 = none. Units for spot/heterogeneous templates. */
  @Field() maxNumber!: number;
  /** Units that can be provisioned now (capacity left). */
  @Field() availableNumber!: number;
  /** Host names of machines from this template that are not terminated. */
  @Field() requestedMachines!: string[];
  @JsonField() attributes!: TemplateAttributes;
  @Field() priceType!: 'ondemand' | 'spot' | 'heterogeneous';
  @Field() vmType!: string | null;
  @JsonField() vmTypes!: Record<string, number> | null;
  @Field() imageId!: string | null;
  @Field() subnetIds!: string[];
  @Field() securityGroupIds!: string[];
  @Field() keyName!: string | null;
  @JsonField() instanceTags!: Record<string, string>;
  @Field() providerApi!: string | null;
  @Field() active!: boolean;
  @Field() version!: number;
  @IsoDate() createdAt!: Date;
  @IsoDate() updatedAt!: Date;
  /** `userData` and every provider-specific key, verbatim; only with `includeConfiguration`. */
  @JsonField() configuration?: { userData: string | null; providerConfig: Record<string, JsonValue> };
}
