import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { REQUEST_STATUSES, type RequestStatus, type RequestType } from '../../domain';
import { Query } from '../../kernel';
import type { Page } from '../read-models/page';
import type { RequestDto, RequestStatusDto } from '../read-models/request.dto';
import type { ReclaimDto } from '../read-models/machine.dto';
import { MachineReference } from './request.commands';

/** One request (`REQUEST_NOT_FOUND` if there is none). */
export class GetRequest extends Query<RequestDto> {
  @IsString()
  @MinLength(1)
  requestId!: string;
}

/** One request with its machines and each machine's result (`REQUEST_NOT_FOUND` if there is none). */
export class GetRequestStatus extends Query<RequestStatusDto> {
  @IsString()
  @MinLength(1)
  requestId!: string;

  @IsOptional()
  @IsBoolean()
  includeMachines?: boolean = true;
}

/** Paging shared by the list queries: `limit` 1–1000 (default 50), `offset` ≥ 0. */
export abstract class PagedQuery<T> extends Query<Page<T>> {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number = 50;

  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number = 0;
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
