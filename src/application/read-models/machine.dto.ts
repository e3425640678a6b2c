import { Expose } from 'class-transformer';
import type { MachineStatus } from '../../domain';
import { IsoDate, JsonField } from './dto';

/** A machine as queries return it. */
export class MachineDto {
  @Expose() machineId!: string;
  /** Host name, once the provider reported it. */
  @Expose() name!: string | null;
  @Expose() requestId!: string;
  @Expose() returnRequestId!: string | null;
  @Expose() templateId!: string;
  @Expose() providerApi!: string | null;
  @Expose() resourceId!: string | null;
  @Expose() instanceType!: string | null;
  @Expose() priceType!: 'ondemand' | 'spot' | null;
  @Expose() cloudHostId!: string | null;
  @Expose() privateIpAddress!: string | null;
  @Expose() publicIpAddress!: string | null;
  @JsonField() instanceTags!: Record<string, string>;
  @IsoDate() launchTime!: Date | null;
  @IsoDate() terminatedAt!: Date | null;
  @Expose() status!: MachineStatus;
  @Expose() statusReason!: string;
  @IsoDate() createdAt!: Date;
  @IsoDate() updatedAt!: Date;
  @Expose() version!: number;
}

/** A machine the cloud wants back (`GetReturnRequests`). */
export class ReclaimDto {
  @Expose() machineId!: string | null;
  /** Host name. */
  @Expose() machine!: string;
  /** Seconds before the cloud takes it; 0 when it is already gone. */
  @Expose() gracePeriod!: number;
  @Expose() reason!: string;
}
