import { AggregateRoot } from '../shared/domain-event';
import { parseMachineId, parseRequestId, parseTemplateId } from '../shared/ids';
import { cloneJson, jsonEqual } from '../shared/json';
import type { DomainContext } from '../shared/ports';
import { readStoredSnapshot } from '../shared/stored-schemas';
import type { Tags } from '../shared/tags';
import { checkText } from '../shared/text';
import { Issues, collect, describeValue } from '../../kernel/validation';
import {
  MACHINE_FACT_FIELDS,
  parseMachineFacts,
  type MachineFacts,
  type MachineFactsInput,
  type MachinePriceType,
  type MachineState,
} from './machine-facts';
import { assertMachineMove, isMachineStatus, isTerminalMachineStatus, type MachineStatus } from './machine-status';
import type { MachineEvent } from './machine.events';

/** Stored form of a Machine (schema 1). */
export interface MachineSnapshot extends MachineState {
  readonly schemaVersion: 1;
  readonly version: number;
}

/** What {@link Machine.create} needs: identity, origin, and whatever the provider already reports. */
export interface MachineCreateInput extends MachineFactsInput {
  machineId: string;
  /** The acquire request that created the machine. */
  requestId: string;
  templateId: string;
  providerApi?: string | null;
  /** Defaults to `pending`; any status is accepted for a machine seen for the first time. */
  status?: MachineStatus;
  statusReason?: string | null;
}

/** A provider report: a status and/or facts; absent fields are left unchanged. */
export interface MachineReport extends MachineFactsInput {
  status?: MachineStatus;
  /** Why the machine is in its status (provider's state reason); `''` when not given with a status move. */
  statusReason?: string | null;
}

/** A machine the provider created for a request (aggregate, identity `machineId`, the provider's instance id). */
export class Machine extends AggregateRoot<MachineEvent> {
  #state: MachineState;

  private constructor(state: MachineState, version: number) {
    super(version);
    this.#state = state;
  }

  /** Validates `input` (VALIDATION_FAILED with every problem) and records MachineCreated. */
  static create(input: MachineCreateInput, ctx: DomainContext): Machine {
    const issues = new Issues();
    const machineId = collect(issues, () => parseMachineId(input.machineId)) ?? '';
    const requestId = collect(issues, () => parseRequestId(input.requestId, 'acquire')) ?? '';
    const templateId = collect(issues, () => parseTemplateId(input.templateId)) ?? '';
    const status = input.status ?? 'pending';
    if (!isMachineStatus(status)) issues.add('status', 'isMachineStatus', `is not a machine status: ${describeValue(status)}`);
    const providerApi = input.providerApi ?? null;
    if (providerApi !== null && (typeof providerApi !== 'string' || providerApi === '')) {
      issues.add('providerApi', 'isNotEmpty', `must be a non-empty string, got ${describeValue(providerApi)}`);
    }
    const facts = parseMachineFacts(input, issues);
    checkReason(issues, input.statusReason);
    issues.throwIfAny('machine');
    const now = ctx.now.toISOString();
    const state: MachineState = {
      machineId,
      name: null,
      requestId,
      returnRequestId: null,
      templateId,
      providerApi,
      resourceId: null,
      instanceType: null,
      priceType: null,
      cloudHostId: null,
      privateIpAddress: null,
      publicIpAddress: null,
      instanceTags: {},
      launchTime: null,
      ...facts,
      status,
      statusReason: input.statusReason ?? '',
      terminatedAt: status === 'terminated' ? now : null,
      createdAt: now,
      updatedAt: now,
    };
    const machine = new Machine(state, 0);
    machine.beginChange();
    machine.record('MachineCreated', { machine: cloneJson(state) }, ctx);
    return machine;
  }

  /** Rebuilds a machine from its snapshot; records nothing. Upcasts an older schema; throws SCHEMA_VERSION_UNSUPPORTED for one this release cannot read. */
  static restore(snapshot: MachineSnapshot): Machine {
    snapshot = readStoredSnapshot('Machine', snapshot);
    const s = snapshot;
    // Field by field (every one a string, number or null but the tags map, which is copied): a
    // query or sync restores every machine of a request, and this is several times cheaper than a
    // deep copy followed by a rest spread.
    const state: MachineState = {
      machineId: s.machineId,
      name: s.name,
      requestId: s.requestId,
      returnRequestId: s.returnRequestId,
      templateId: s.templateId,
      providerApi: s.providerApi,
      resourceId: s.resourceId,
      instanceType: s.instanceType,
      priceType: s.priceType,
      cloudHostId: s.cloudHostId,
      privateIpAddress: s.privateIpAddress,
      publicIpAddress: s.publicIpAddress,
      instanceTags: cloneJson(s.instanceTags),
      launchTime: s.launchTime,
      status: s.status,
      statusReason: s.statusReason,
      terminatedAt: s.terminatedAt,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
    return new Machine(state, s.version);
  }

  protected get aggregateType(): 'Machine' {
    return 'Machine';
  }
  protected get aggregateId(): string {
    return this.#state.machineId;
  }

  get machineId(): string { return this.#state.machineId; }
  /** Host name, once the provider reports it. */
  get name(): string | null { return this.#state.name; }
  get requestId(): string { return this.#state.requestId; }
  get returnRequestId(): string | null { return this.#state.returnRequestId; }
  get templateId(): string { return this.#state.templateId; }
  get providerApi(): string | null { return this.#state.providerApi; }
  get resourceId(): string | null { return this.#state.resourceId; }
  get instanceType(): string | null { return this.#state.instanceType; }
  get priceType(): MachinePriceType | null { return this.#state.priceType; }
  get cloudHostId(): string | null { return this.#state.cloudHostId; }
  get privateIpAddress(): string | null { return this.#state.privateIpAddress; }
  get publicIpAddress(): string | null { return this.#state.publicIpAddress; }
  get instanceTags(): Tags { return cloneJson(this.#state.instanceTags); }
  get launchTime(): Date | null { return toDate(this.#state.launchTime); }
  get terminatedAt(): Date | null { return toDate(this.#state.terminatedAt); }
  get status(): MachineStatus { return this.#state.status; }
  get statusReason(): string { return this.#state.statusReason; }
  get createdAt(): Date { return new Date(this.#state.createdAt); }
  get updatedAt(): Date { return new Date(this.#state.updatedAt); }
  /** True once the machine is `terminated` or `failed`. */
  get isTerminal(): boolean { return isTerminalMachineStatus(this.#state.status); }

  /**
   * Applies a provider report. A new status must be allowed by the status machine, else
   * INVALID_MACHINE_STATE_TRANSITION and nothing (not even the facts) is applied. Records
   * MachineStatusChanged for a status move, MachineUpdated for facts only; a report that changes nothing is a no-op.
   */
  report(report: MachineReport, ctx: DomainContext): void {
    const issues = new Issues();
    if (report.status !== undefined && !isMachineStatus(report.status)) {
      issues.add('status', 'isMachineStatus', `is not a machine status: ${describeValue(report.status)}`);
    }
    const reported = parseMachineFacts(report, issues);
    checkReason(issues, report.statusReason);
    issues.throwIfAny('machine report');

    const from = this.#state.status;
    const to = report.status ?? from;
    if (to !== from) assertMachineMove(this.machineId, from, to);
    const facts: Record<string, unknown> = {};
    for (const key of MACHINE_FACT_FIELDS) {
      if (Object.hasOwn(reported, key) && !jsonEqual(reported[key], this.#state[key])) facts[key] = reported[key];
    }
    const changedFacts = facts as Partial<MachineFacts>;
    const statusReason = to !== from ? (report.statusReason ?? '') : (report.statusReason ?? this.#state.statusReason);
    const reasonChanged = statusReason !== this.#state.statusReason;
    if (to === from && Object.keys(facts).length === 0 && !reasonChanged) return;

    this.beginChange();
    const now = ctx.now.toISOString();
    const terminatedAt = to === 'terminated' && from !== 'terminated' ? now : this.#state.terminatedAt;
    this.#state = { ...this.#state, ...changedFacts, status: to, statusReason, terminatedAt, updatedAt: now };
    if (to !== from) {
      this.record('MachineStatusChanged', { from, to, reason: statusReason, terminatedAt, facts: cloneJson(changedFacts) }, ctx);
    } else {
      const changedFields = [...(Object.keys(facts) as (keyof MachineFacts)[]), ...(reasonChanged ? (['statusReason'] as const) : [])];
      this.record('MachineUpdated', { changedFields, facts: cloneJson(changedFacts), statusReason }, ctx);
    }
  }

  /**
   * Records that return request `returnRequestId` names this machine (MachineReturnRequested).
   * No-op when it already does; VALIDATION_FAILED unless the id is a `ret-` id. The status is untouched.
   */
  markReturnRequested(returnRequestId: string, ctx: DomainContext): void {
    const id = parseRequestId(returnRequestId, 'return', 'returnRequestId');
    if (id === this.#state.returnRequestId) return;
    this.beginChange();
    const previousReturnRequestId = this.#state.returnRequestId;
    this.#state = { ...this.#state, returnRequestId: id, updatedAt: ctx.now.toISOString() };
    this.record('MachineReturnRequested', { returnRequestId: id, previousReturnRequestId }, ctx);
  }

  /** Plain JSON-safe state (dates as ISO strings), schema 1: the storage contract. */
  toSnapshot(): MachineSnapshot {
    return { schemaVersion: 1, ...cloneJson(this.#state), version: this.version };
  }
}

function toDate(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

function checkReason(issues: Issues, reason: unknown): void {
  if (reason !== undefined && reason !== null && typeof reason !== 'string') {
    issues.add('statusReason', 'isString', `must be a string, got ${describeValue(reason)}`);
  } else if (typeof reason === 'string') checkText(issues, 'statusReason', reason, 'reason');
}
