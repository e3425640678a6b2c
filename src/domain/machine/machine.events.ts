import type { DomainEventBase } from '../shared/event-base';
import type { MachineFacts, MachineState } from './machine-facts';
import type { MachineStatus } from './machine-status';

/** A machine became known; carries the whole machine. */
export type MachineCreated = DomainEventBase<'MachineCreated', 'Machine', {
  readonly machine: MachineState;
}>;

/** The machine's status moved; also carries provider facts that changed in the same report. */
export type MachineStatusChanged = DomainEventBase<'MachineStatusChanged', 'Machine', {
  readonly from: MachineStatus;
  readonly to: MachineStatus;
  readonly reason: string;
  /** ISO time the machine was seen terminated, when `to` is `terminated`; otherwise the unchanged value. */
  readonly terminatedAt: string | null;
  readonly facts: Partial<MachineFacts>;
}>;

/** Provider facts (IPs, host name, launch time, ...) or the status reason changed without a status move. */
export type MachineUpdated = DomainEventBase<'MachineUpdated', 'Machine', {
  readonly changedFields: readonly (keyof MachineFacts | 'statusReason')[];
  readonly facts: Partial<MachineFacts>;
  readonly statusReason: string;
}>;

/** A return request named the machine. */
export type MachineReturnRequested = DomainEventBase<'MachineReturnRequested', 'Machine', {
  readonly returnRequestId: string;
  /** The return request that named it before, if any. */
  readonly previousReturnRequestId: string | null;
}>;

/** Every event a Machine records. */
export type MachineEvent = MachineCreated | MachineStatusChanged | MachineUpdated | MachineReturnRequested;
