import { Expose } from 'class-transformer';
import type { JsonValue, TemplateAttributes } from '../../domain';
import { IsoDate, JsonField } from './dto';

/** A template as queries return it. `configuration` is present only when asked for. */
export class TemplateDto {
  @Expose() templateId!: string;
  /** −1 = unlimited (capped at 10000), 0 = none. Units for spot/heterogeneous templates. */
  @Expose() maxNumber!: number;
  /** Units that can be provisioned now (capacity left). */
  @Expose() availableNumber!: number;
  /** Host names of machines from this template that are not terminated. */
  @Expose() requestedMachines!: string[];
  @JsonField() attributes!: TemplateAttributes;
  @Expose() priceType!: 'ondemand' | 'spot' | 'heterogeneous';
  @Expose() vmType!: string | null;
  @JsonField() vmTypes!: Record<string, number> | null;
  @Expose() imageId!: string | null;
  @Expose() subnetIds!: string[];
  @Expose() securityGroupIds!: string[];
  @Expose() keyName!: string | null;
  @JsonField() instanceTags!: Record<string, string>;
  @Expose() providerApi!: string | null;
  @Expose() active!: boolean;
  @Expose() version!: number;
  @IsoDate() createdAt!: Date;
  @IsoDate() updatedAt!: Date;
  /** `userData` and every provider-specific key, verbatim; only with `includeConfiguration`. */
  @JsonField() configuration?: { userData: string | null; providerConfig: Record<string, JsonValue> };
}
