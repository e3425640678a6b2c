import { Expose, Type } from 'class-transformer';
import type { MachineResult, RequestStatus, RequestType } from '../../domain';
import { IsoDate, JsonField } from './dto';
import { MachineDto } from './machine.dto';

/** A request as queries return it. */
export class RequestDto {
  @Expose() requestId!: string;
  @Expose() type!: RequestType;
  /** Acquire: the template; return: null. */
  @Expose() templateId!: string | null;
  @Expose() requestedCount!: number;
  @Expose() machineIds!: string[];
  @Expose() resourceIds!: string[];
  @JsonField() tags!: Record<string, string>;
  @Expose() priority!: number | null;
  @Expose() timeoutSeconds!: number;
  @Expose() status!: RequestStatus;
  @Expose() statusMessage!: string;
  @IsoDate() createdAt!: Date;
  @IsoDate() startedAt!: Date | null;
  @IsoDate() completedAt!: Date | null;
  /** `createdAt + timeoutSeconds`. */
  @IsoDate() deadline!: Date;
  @Expose() version!: number;
}

/** A machine of a request with the result Symphony judges it by. */
export class RequestMachineDto extends MachineDto {
  /** From the one result table: `executing`, `succeed` or `fail`. */
  @Expose() result!: MachineResult;
  /** Why the machine has its result; never empty when `result` is `fail`. */
  @Expose() message!: string;
}

/** A request with its machines and their results (`GetRequestStatus`). */
export class RequestStatusDto extends RequestDto {
  @Expose()
  @Type(() => RequestMachineDto)
  machines!: RequestMachineDto[];
}
