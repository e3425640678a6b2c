import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { REQUEST_LIMITS } from '../../domain/request/request-limits';
import { REQUEST_STATUSES, type RequestStatus } from '../../domain/request/request-status';
import { TEMPLATE_ID } from '../../domain/shared/ids';
import { TEXT_LIMITS } from '../../domain/shared/text';
import { type RequestUserData } from '../../domain/request/request-state';
import { Command } from '../../kernel';
import type { RequestDto } from '../read-models/request.dto';
import { StorableText } from '../storable-text';

/** Asks the provider for machines of a template. Resolves to the new (or, with an idempotency key, the first) request's id. */
export class RequestMachines extends Command<{ requestId: string }> {
  @IsString()
  @Matches(TEMPLATE_ID, { message: 'templateId must be 1-64 characters of 0-9 A-Z a-z - _' })
  templateId!: string;

  /** Machines (ondemand) or units (spot/heterogeneous) to acquire. */
  @IsInt()
  @Min(REQUEST_LIMITS.minMachineCount)
  @Max(REQUEST_LIMITS.maxMachineCount)
  machineCount!: number;

  /** Caller tags for the request: a map of strings (a `"k=v;k=v"` string is refused: turn it into a map with `parseTags`). */
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;

  @IsOptional()
  @IsInt()
  priority?: number;

  /** 1–86400 seconds; default 3600. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(REQUEST_LIMITS.maxTimeoutSeconds)
  timeoutSeconds?: number;

  /** Repeating a call with the same key answers the first request's id and provisions once. 1–256 code points of storable text. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(REQUEST_LIMITS.maxIdempotencyKeyLength)
  @StorableText()
  idempotencyKey?: string;

  /** The account the machines are charged to (LSF's `rc_account`; rules in `collectRequestAccount`), passed to `provision`. */
  @IsOptional()
  @IsString()
  @MaxLength(REQUEST_LIMITS.maxRcAccountLength)
  rcAccount?: string;

  /** User data for the machines: an object of named values or a string (rules in `collectRequestAccount`), passed to `provision`. */
  @IsOptional()
  @Allow()
  userData?: RequestUserData;
}

/** A machine to return: by provider id when given, else by host name. */
export class MachineReference {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(REQUEST_LIMITS.maxMachineReferenceLength)
  @StorableText()
  machineId?: string;

  /** Required unless `machineId` is given. */
  @ValidateIf((reference: MachineReference) => reference.machineId === undefined || reference.name !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(REQUEST_LIMITS.maxMachineReferenceLength)
  @StorableText()
  name?: string;
}

/** Result of {@link RequestReturnMachines}. */
export interface ReturnMachinesResult {
  requestId: string;
  /** Names (or ids) given that match no active machine; they are not part of the request. */
  notFound: string[];
  /** Machines already being returned by another open request (answered with that request's id). */
  alreadyReturning: string[];
}

/**
 * Hands machines back: creates a return request and asks the provider to terminate them (once).
 * Unknown and already-terminated machines are reported in `notFound`; none active → `MACHINE_NOT_FOUND`.
 */
export class RequestReturnMachines extends Command<ReturnMachinesResult> {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REQUEST_LIMITS.maxMachinesPerCall)
  @ValidateNested({ each: true })
  @Type(() => MachineReference)
  machines!: MachineReference[];
}

/**
 * Asks the provider about a request's machines, applies what it reports and derives the status. Safe
 * to repeat. Asking by id also records that the requester holds the id (`RequestAcknowledged`, once),
 * which keeps a reconciler from settling the request as abandoned.
 */
export class SyncRequest extends Command<RequestDto> {
  @IsString()
  @MinLength(1)
  @StorableText()
  requestId!: string;

  /** Record the request as acknowledged by its requester. Default true; a reconciler's own syncs pass false. */
  @IsOptional()
  @IsBoolean()
  acknowledge?: boolean;
}

/**
 * Fetches the cloud's reclaim notices (e.g. spot interruptions) and records them for
 * `GetReturnRequests`. With `machines` (the hosts the caller holds), also asks the provider about
 * those machines and records what changed, so one terminated behind the caller's back is noticed.
 */
export class SyncReclaimNotices extends Command<{ notices: number; refreshed: number }> {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(REQUEST_LIMITS.maxMachinesPerCall)
  @ValidateNested({ each: true })
  @Type(() => MachineReference)
  machines?: MachineReference[];
}

/** Cancels a pending or in-progress request. Machines that came up stay attached (return them to release them). */
export class CancelRequest extends Command<RequestDto> {
  @IsString()
  @MinLength(1)
  @StorableText()
  requestId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_LIMITS.reason)
  @StorableText()
  reason?: string;
}

/** Administrative status override; still obeys the request status machine. */
export class UpdateRequestStatus extends Command<RequestDto> {
  @IsString()
  @MinLength(1)
  @StorableText()
  requestId!: string;

  @IsIn(REQUEST_STATUSES)
  status!: RequestStatus;

  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_LIMITS.reason)
  @StorableText()
  reason!: string;
}
