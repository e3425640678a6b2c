import { Request, type DomainContext, type Machine } from '../../domain';
import { commandHandler, HostFactoryError, isHostFactoryError, ValidationError, type CommandHandler, type HandlerContext } from '../../kernel';
import type { TerminateResult } from '../provider/provider.port';
import { callProvider, domainContext, RUNTIME, type Runtime } from '../runtime';
import { inSession, recordInSession, type Session } from '../session';
import { attachedMachines } from './sync-request.handler';
import { RequestReturnMachines, type MachineReference, type ReturnMachinesResult } from './request.commands';

/** None of the machines named in a return is active (`MACHINE_NOT_FOUND`); `details.names` lists them. */
export class NoActiveMachinesError extends HostFactoryError {
  constructor(names: readonly string[]) {
    super(
      'MACHINE_NOT_FOUND',
      `No active machines to return: ${names.join(', ') || '(none named)'}. Name machines that exist and are not terminated (by machineId, or by host name).`,
      { details: { names: [...names] } },
    );
  }
}

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
      const message = isHostFactoryError(error) ? error.message : String(error);
      await recordInSession(this.runtime.storage, async (session) => {
        const stored = await session.request(requestId);
        if (stored !== undefined && !stored.isTerminal) stored.fail(message, domainContext(this.runtime, context));
      });
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

/**
 * Creates a started return request for `machines` in the session and marks each one claimed by it.
 * Claimed and started in the same commit: terminate is then called for these machines exactly once
 * (a lost call is re-sent by a sync of the return request once a provider timeout has passed).
 */
export function claimForReturn(session: Session, machines: readonly Machine[], ctx: DomainContext): Request {
  const request = session.add('request', Request.createReturn({ machineIds: machines.map((m) => m.machineId) }, ctx));
  for (const machine of machines) machine.markReturnRequested(request.requestId, ctx);
  request.start(ctx);
  return request;
}

/** Records the machines the provider refused to terminate on return request `requestId` and re-derives its status. */
export async function recordRefusals(runtime: Runtime, requestId: string, result: TerminateResult, context: HandlerContext | undefined): Promise<void> {
  if (result.failed.length === 0) return;
  await recordInSession(runtime.storage, async (session) => {
    const stored = await session.request(requestId);
    if (stored === undefined || stored.isTerminal) return;
    const ctx = domainContext(runtime, context);
    stored.recordTerminationFailures(result.failed, ctx);
    stored.synchronise(await attachedMachines(session, stored), ctx);
  });
}
