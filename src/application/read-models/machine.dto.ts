import type { MachineStatus } from '../../domain/machine/machine-status';
import { Dto, Field, IsoDate, JsonField } from './dto';

/** A machine as queries return it. */
@Dto()
export class MachineDto {
  @Field() machineId!: string;
  /** Host name, once the provider reported it. */
  @Field() name!: string | null;
  @Field() requestId!: string;
  @Field() returnRequestId!: string | null;
  @Field() templateId!: string;
  @Field() providerApi!: string | null;
  @Field() resourceId!: string | null;
  @Field() instanceType!: string | null;
  @Field() priceType!: 'ondemand' | 'spot' | null;
  @Field() cloudHostId!: string | null;
  @Field() privateIpAddress!: string | null;
  @Field() publicIpAddress!: string | null;
  @JsonField() instanceTags!: Record<string, string>;
  @IsoDate() launchTime!: Date | null;
  @IsoDate() terminatedAt!: Date | null;
  @Field() status!: MachineStatus;
  @Field() statusReason!: string;
  @IsoDate() createdAt!: Date;
  @IsoDate() updatedAt!: Date;
  @Field() version!: number;
}

/** A machine the cloud wants back (`GetReturnRequests`). */
@Dto()
export class ReclaimDto {
  @Field() machineId!: string | null;
  /** Host name. */
  @Field() machine!: string;
  /** Seconds before the cloud takes it; 0 when it is already gone. */
  @Field() gracePeriod!: number;
  @Field() reason!: string;
}
