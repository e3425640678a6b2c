import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { REQUEST_STATUSES, type RequestStatus } from '../../domain/request/request-status';
import { type RequestType } from '../../domain/shared/ids';
import { Query } from '../../kernel';
import { PagedQuery } from '../read-models/paged-query';
import type { RequestDto, RequestStatusDto } from '../read-models/request.dto';
import type { ReclaimDto } from '../read-models/machine.dto';
import { MachineReference } from './request.commands';
import { StorableText } from '../storable-text';

/** One request (`REQUEST_NOT_FOUND` if there is none). */
export class GetRequest extends Query<RequestDto> {
  @IsString()
  @MinLength(1)
  @StorableText()
  requestId!: string;
}

/** One request with its machines and each machine's result (`REQUEST_NOT_FOUND` if there is none). */
export class GetRequestStatus extends Query<RequestStatusDto> {
  @IsString()
  @MinLength(1)
  @StorableText()
  requestId!: string;

  @IsOptional()
  @IsBoolean()
  includeMachines?: boolean = true;
}

/** Requests, newest first, filtered by status, type and template. */
export class ListRequests extends PagedQuery<RequestDto> {
  @IsOptional()
  @IsIn(REQUEST_STATUSES)
  status?: RequestStatus;

  @IsOptional()
  @IsIn(['acquire', 'return'])
  type?: RequestType;

  @IsOptional()
  @IsString()
  @StorableText()
  templateId?: string;
}

/** Return requests, newest first, optionally of one status. */
export class ListReturnRequests extends PagedQuery<RequestDto> {
  @IsOptional()
  @IsIn(REQUEST_STATUSES)
  status?: RequestStatus;
}

/**
 * The machines the cloud wants back: the recorded reclaim notices, plus any of `machines` (the hosts
 * the caller still holds) that are already terminated or failed (grace period 0).
 */
export class GetReturnRequests extends Query<ReclaimDto[]> {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => MachineReference)
  machines?: MachineReference[];

  /** Only notices at most this many seconds old count; default: all recorded ones. */
  @IsOptional()
  @IsInt()
  @Min(0)
  maxAgeSeconds?: number;
}
