import type { MachineResult } from '../../domain/machine/machine-result';
import type { RequestStatus } from '../../domain/request/request-status';
import type { RequestType } from '../../domain/shared/ids';
import type { RequestUserData } from '../../domain/request/request-input';
import { Dto, Field, IsoDate, JsonField, NestedDtos } from './dto';
import { MachineDto } from './machine.dto';

/** A request as queries return it. */
@Dto()
export class RequestDto {
  @Field() requestId!: string;
  @Field() type!: RequestType;
  /** Acquire: the template; return: null. */
  @Field() templateId!: string | null;
  @Field() requestedCount!: number;
  @Field() machineIds!: string[];
  @Field() resourceIds!: string[];
  @JsonField() tags!: Record<string, string>;
  @Field() priority!: number | null;
  /** The account of an acquire request (LSF's `rc_account`); absent when none was given. */
  @Field() rcAccount?: string;
  /** The caller's user data of an acquire request; absent when none was given. */
  @JsonField() userData?: RequestUserData;
  @Field() timeoutSeconds!: number;
  @Field() status!: RequestStatus;
  @Field() statusMessage!: string;
  @IsoDate() createdAt!: Date;
  @IsoDate() startedAt!: Date | null;
  @IsoDate() completedAt!: Date | null;
  /** `createdAt + timeoutSeconds`. */
  @IsoDate() deadline!: Date;
  @Field() version!: number;
}

/** A machine of a request with the result Symphony judges it by. */
@Dto()
export class RequestMachineDto extends MachineDto {
  /** From the one result table: `executing`, `succeed` or `fail`. */
  @Field() result!: MachineResult;
  /** Why the machine has its result; never empty when `result` is `fail`. */
  @Field() message!: string;
}

/** A request with its machines and their results (`GetRequestStatus`). */
@Dto()
export class RequestStatusDto extends RequestDto {
  @NestedDtos(() => RequestMachineDto)
  machines!: RequestMachineDto[];
}
