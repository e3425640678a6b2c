import type { Machine } from '../domain/machine/machine';
import type { MachineStatus } from '../domain/machine/machine-status';
import type { Request } from '../domain/request/request';
import type { RequestStatus } from '../domain/request/request-status';
import type { RequestType } from '../domain/shared/ids';
import type { Template } from '../domain/template/template';

/**
 * Repositories load and save aggregates inside one {@link Transaction}. Every `save` states the
 * version it read (`expectedVersion`, 0 for a new aggregate); a mismatch fails the save with
 * `CONCURRENCY_CONFLICT` and the whole transaction writes nothing. Returned aggregates are the
 * caller's own copies: mutating them changes nothing stored until they are saved. Finders return
 * oldest first (`createdAt`, then id); `getMany` returns each existing id once, in the order asked.
 */
export interface TemplateRepository {
  /** The template, or undefined. */
  get(templateId: string): Promise<Template | undefined>;
  /** The templates that exist among `templateIds`, in the order asked. */
  getMany(templateIds: readonly string[]): Promise<Template[]>;
  /** Every stored template, ordered by id. */
  list(): Promise<Template[]>;
  /** Inserts (`expectedVersion` 0) or updates the template. */
  save(template: Template, expectedVersion: number): Promise<void>;
  /** Removes the template if it is still at `expectedVersion`. */
  delete(templateId: string, expectedVersion: number): Promise<void>;
}

/** Storage of Request aggregates; see {@link TemplateRepository} for the save contract. */
export interface RequestRepository {
  get(requestId: string): Promise<Request | undefined>;
  getMany(requestIds: readonly string[]): Promise<Request[]>;
  /** Inserts (`expectedVersion` 0) or updates the request. */
  save(request: Request, expectedVersion: number): Promise<void>;
  /** Requests of `templateId` that are not terminal (pending or in progress). */
  findOpenByTemplate(templateId: string): Promise<Request[]>;
  /** The request created with this idempotency key, if any. */
  findByIdempotencyKey(key: string): Promise<Request | undefined>;
  /** Requests in one of `statuses`, optionally of one type, oldest first, at most `limit`. */
  findByStatus(statuses: readonly RequestStatus[], options?: { type?: RequestType; limit?: number }): Promise<Request[]>;
}

/** One entry of {@link MachineRepository.saveMany}: the machine and the version it was read at. */
export interface MachineSave {
  readonly machine: Machine;
  readonly expectedVersion: number;
}

/** Storage of Machine aggregates; see {@link TemplateRepository} for the save contract. */
export interface MachineRepository {
  get(machineId: string): Promise<Machine | undefined>;
  getMany(machineIds: readonly string[]): Promise<Machine[]>;
  /** Inserts (`expectedVersion` 0) or updates the machine. */
  save(machine: Machine, expectedVersion: number): Promise<void>;
  /**
   * Optional batch of `save`: same rules per entry, each machine id at most once (else
   * VALIDATION_FAILED), any conflict fails the whole transaction. Absent: the library calls `save`
   * per entry (see `saveMachines`).
   */
  saveMany?(saves: readonly MachineSave[]): Promise<void>;
  /** Machines created by the acquire request `requestId`. */
  findByRequest(requestId: string): Promise<Machine[]>;
  /** Machines named by the return request `returnRequestId`. */
  findByReturnRequest(returnRequestId: string): Promise<Machine[]>;
  /** Machines with this host name (usually one; a name can be reused after termination). */
  findByName(name: string): Promise<Machine[]>;
  /** Machines of `templateId` in one of `statuses`. */
  findByTemplate(templateId: string, statuses?: readonly MachineStatus[]): Promise<Machine[]>;
  /** Machines in one of `statuses`, at most `limit`. */
  findByStatus(statuses: readonly MachineStatus[], options?: { limit?: number }): Promise<Machine[]>;
}
