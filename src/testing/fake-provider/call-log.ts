import type { CancelProvisionInput, DescribeInput, ProvisionInput, TerminateInput } from '../../application/provider/provider.port';

/** One recorded call to the {@link FakeProvider}: the method, a deep copy of its input, and the clock time it was made. */
export type FakeProviderCall =
  | { readonly method: 'provision'; readonly input: ProvisionInput; readonly at: Date }
  | { readonly method: 'describe'; readonly input: DescribeInput; readonly at: Date }
  | { readonly method: 'terminate'; readonly input: TerminateInput; readonly at: Date }
  | { readonly method: 'cancelProvision'; readonly input: CancelProvisionInput; readonly at: Date }
  | { readonly method: 'reclaimNotices'; readonly input: undefined; readonly at: Date };

/** A method name of {@link FakeProviderCall}. */
export type FakeProviderCallMethod = FakeProviderCall['method'];

/** Every call in order, stored as deep copies so later mutation by either side changes nothing. */
export class CallLog {
  readonly #calls: FakeProviderCall[] = [];

  record(call: FakeProviderCall): void {
    this.#calls.push(structuredClone(call));
  }

  /** Copies of every call, oldest first. */
  all(): FakeProviderCall[] {
    return structuredClone(this.#calls);
  }

  /** Copies of the calls to `method`, oldest first. */
  to<M extends FakeProviderCallMethod>(method: M): Extract<FakeProviderCall, { method: M }>[] {
    return structuredClone(this.#calls.filter((call): call is Extract<FakeProviderCall, { method: M }> => call.method === method));
  }

  /** How many terminate calls named `machineId` (whatever the outcome). */
  terminateCount(machineId: string): number {
    return this.#calls.filter((call) => call.method === 'terminate' && call.input.machineIds.includes(machineId)).length;
  }
}
