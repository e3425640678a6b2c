import { KernelError } from '../../kernel';

/** None of the machines named in a return is active (`MACHINE_NOT_FOUND`); `details.names` lists them. */
export class NoActiveMachinesError extends KernelError {
  constructor(names: readonly string[]) {
    super(
      'MACHINE_NOT_FOUND',
      `No active machines to return: ${names.join(', ') || '(none named)'}. Name machines that exist and are not terminated (by machineId, or by host name).`,
      { details: { names: [...names] } },
    );
  }
}
