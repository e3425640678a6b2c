import type { DomainContext } from '../../domain/shared/ports';
import type { Machine } from '../../domain/machine/machine';
import type { Request } from '../../domain/request/request';
import { commandHandler, ValidationError, type CommandHandler, type HandlerContext } from '../../kernel';
import type { TerminateResult } from '../provider/provider.port';
import { callProvider } from '../provider/provider-call';
import { domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession, type Session } from '../session';
import { failOnRefusal } from './machine-recording';
import { claimForReturn, recordRefusals } from './return-claims';
import { NoActiveMachinesError } from './request.errors';
import { RequestReturnMachines, type MachineReference, type ReturnMachinesResult } from './request.commands';

interface Claim {
  request: Request | undefined;
  machineIds: string[];
  notFound: string[];
  alreadyReturning: string[];
  openReturnId: string | undefined;
}

/**
 * Handles {@link RequestReturnMachines}: claims the machines for a new return request in one
 * transaction (a machine already claimed by an open return is answered with that return's id), then
 * calls the provider's `terminate` exactly once for the claimed machines and records its answer.
 * Optimistic versions on each machine make two racing returns claim each machine once.
 */
@commandHandler(RequestReturnMachines, { inject: [RUNTIME] })
export class RequestReturnMachinesHandler implements CommandHandler<RequestReturnMachines> {
  constructor(private readonly runtime: Runtime) {}

  async handle(command: RequestReturnMachines, context: HandlerContext): Promise<ReturnMachinesResult> {
    const limit = this.runtime.limits.maxMachinesPerReturn;
    if (command.machines.length > limit) {
      throw new ValidationError('return request', [
        { path: 'machines', constraint: 'arrayMaxSize', message: `machines names ${command.machines.length} machines; one return request takes at most ${limit} (limits.maxMachinesPerReturn): split the list` },
      ]);
    }
    const claim = await inSession(this.runtime.storage, (session) => this.claim(session, command.machines, domainContext(this.runtime, context)));
    if (claim.request === undefined) {
      if (claim.openReturnId !== undefined) {
        return { requestId: claim.openReturnId, notFound: claim.notFound, alreadyReturning: claim.alreadyReturning };
      }
      throw new NoActiveMachinesError(claim.notFound);
    }
    const requestId = claim.request.requestId;

    let result: TerminateResult;
    try {
      result = await callProvider(this.runtime, 'terminate', requestId, () =>
        this.runtime.provider.terminate({ requestId, machineIds: claim.machineIds }),
      );
    } catch (error) {
      await failOnRefusal(this.runtime, requestId, error, context);
      throw error;
    }

    await recordRefusals(this.runtime, requestId, result, context);
    return { requestId, notFound: claim.notFound, alreadyReturning: claim.alreadyReturning };
  }

  private async claim(session: Session, references: readonly MachineReference[], ctx: DomainContext): Promise<Claim> {
    const claim: Claim = { request: undefined, machineIds: [], notFound: [], alreadyReturning: [], openReturnId: undefined };
    const chosen: Machine[] = [];
    for (const reference of references) {
      const label = reference.name ?? reference.machineId ?? '';
      const machine = await this.resolve(session, reference);
      if (machine === undefined || machine.isTerminal) {
        claim.notFound.push(label);
        continue;
      }
      if (chosen.some((m) => m.machineId === machine.machineId)) continue;
      if (machine.returnRequestId !== null) {
        const open = await session.request(machine.returnRequestId);
        if (open !== undefined && !open.isTerminal) {
          claim.alreadyReturning.push(label);
          claim.openReturnId ??= open.requestId;
          continue;
        }
      }
      chosen.push(machine);
    }
    if (chosen.length === 0) return claim;
    claim.request = claimForReturn(session, chosen, ctx);
    claim.machineIds = chosen.map((m) => m.machineId);
    return claim;
  }

  /** By id when given; else the one live machine with that host name (or the latest seen, if all are gone). */
  private async resolve(session: Session, reference: MachineReference): Promise<Machine | undefined> {
    if (reference.machineId !== undefined) return session.machine(reference.machineId);
    if (reference.name === undefined) return undefined;
    const named = session.adopt('machine', await session.tx.machines.findByName(reference.name));
    return named.find((m) => !m.isTerminal) ?? named[0];
  }
}
