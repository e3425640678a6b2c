import type { CancelProvisionInput, DescribeInput, ProviderPort, ProvisionInput, TerminateInput } from '../../application/provider/provider.port';
import type { Storage } from '../../storage/storage';
import type { Clock, IdGenerator } from '../../domain/shared/ports';
import { asRecorded, reviveDates, type RecordedCall, type RecordedPortCall, type RecordedPortMethod } from '../../hostfactory/recording/recording-format';
import { TimeoutError } from '../../kernel';
import { sameJson } from './compare';

/** A provider call the build made that differs from the recording (or the recording made that the build did not). */
export interface PortDivergence {
  readonly method: RecordedPortMethod;
  /** The recorded arguments (undefined: the recording has no such call). */
  readonly recorded: unknown;
  /** The arguments now (undefined: the build did not make the recorded call). */
  readonly now: unknown;
}

/**
 * The recorded world of one call at a time: a provider answering each call as recorded (matched by
 * method and redacted arguments, in any order), the clock reading the recorded instants in order
 * (then holding the last), and the recorded ids in order (then sequential ones).
 */
export class ReplayPorts {
  private call: RecordedCall | undefined;
  private used: boolean[] = [];
  private clockAt = 0;
  private idAt = 0;
  private extraIds = 0;
  private lastNow = new Date(0);
  private commitFault: string | undefined;
  divergences: PortDivergence[] = [];

  constructor(
    private readonly redact: (value: unknown) => unknown,
    /** What a call recorded as still pending (it timed out) rejects with: the host factory's provider time limit. */
    private readonly timeoutMs: number,
  ) {}

  /** Starts answering as `call` recorded. */
  begin(call: RecordedCall): void {
    this.call = call;
    this.used = call.provider.map(() => false);
    this.clockAt = 0;
    this.idAt = 0;
    this.divergences = [];
    this.lastNow = new Date(call.clock[0] ?? call.at ?? 0);
    this.commitFault = call.fault?.commit;
  }

  /** `storage` with the call's commit fault: the first commit of the call runs its work, then fails (nothing written). */
  withFaults(storage: Storage): Storage {
    const { unitOfWork } = storage;
    return {
      ...storage,
      unitOfWork: {
        transaction: (work) => {
          const fault = this.commitFault;
          if (fault === undefined) return unitOfWork.transaction(work);
          this.commitFault = undefined;
          return unitOfWork.transaction(async (tx) => {
            await work(tx);
            throw new Error(fault);
          });
        },
      },
    };
  }

  /** Ends the call: recorded provider calls the build did not make are divergences. */
  end(): PortDivergence[] {
    this.call?.provider.forEach((entry, i) => {
      if (!this.used[i]) this.divergences.push({ method: entry.method, recorded: entry.args, now: undefined });
    });
    return this.divergences;
  }

  readonly clock: Clock = {
    now: () => {
      const iso = this.call?.clock[this.clockAt];
      if (iso !== undefined) {
        this.clockAt += 1;
        this.lastNow = new Date(iso);
      }
      return new Date(this.lastNow.getTime());
    },
  };

  readonly ids: IdGenerator = {
    uuid: () => {
      const id = this.call?.ids[this.idAt];
      if (id !== undefined) {
        this.idAt += 1;
        return id;
      }
      this.extraIds += 1;
      return `ffffffff-0000-4000-8000-${this.extraIds.toString(16).padStart(12, '0')}`;
    },
  };

  // No checkTemplate: the recorded call's templates were accepted when it ran.
  readonly provider: Required<Omit<ProviderPort, 'checkTemplate'>> = {
    provision: (input: ProvisionInput) => this.answer('provision', input),
    describe: (input: DescribeInput) => this.answer('describe', input),
    terminate: (input: TerminateInput) => this.answer('terminate', input),
    reclaimNotices: () => this.answer('reclaimNotices', undefined),
    cancelProvision: (input: CancelProvisionInput) => this.answer('cancelProvision', input),
  };

  private async answer<T>(method: RecordedPortMethod, input: unknown): Promise<T> {
    const args = input === undefined ? null : asRecorded(this.redact(input));
    const entries = this.call?.provider ?? [];
    const index = entries.findIndex((entry, i) => !this.used[i] && entry.method === method && sameJson(comparable(entry.args), comparable(args)));
    if (index < 0) {
      const near = entries.find((entry, i) => !this.used[i] && entry.method === method);
      if (near !== undefined) this.used[entries.indexOf(near)] = true;
      this.divergences.push({ method, recorded: near?.args, now: args });
      throw new Error(`replay: this ${method} call is not in the recording`);
    }
    this.used[index] = true;
    return settle<T>(entries[index]!, method, this.timeoutMs);
  }
}

/**
 * Arguments as compared: a provision's template snapshot without its `createdAt`/`updatedAt`, which
 * say when the template was stored (before the recording, or by a seed), not what the build asks for.
 */
function comparable(args: unknown): unknown {
  const template = (args as { template?: unknown } | null)?.template;
  if (template === null || typeof template !== 'object') return args;
  const { createdAt: _created, updatedAt: _updated, ...rest } = template as Record<string, unknown>;
  return { ...(args as object), template: rest };
}

function settle<T>(entry: RecordedPortCall, method: RecordedPortMethod, timeoutMs: number): Promise<T> {
  if (entry.pending === true) return Promise.reject(new TimeoutError(`provider.${method}`, timeoutMs));
  if (entry.error !== undefined) {
    const error = Object.assign(new Error(entry.error.message), { name: entry.error.name }, entry.error.code === undefined ? {} : { code: entry.error.code });
    return Promise.reject(error);
  }
  return Promise.resolve(reviveDates(entry.result) as T);
}
