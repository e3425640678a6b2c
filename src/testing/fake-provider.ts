import type {
  CancelProvisionInput,
  CancelProvisionResult,
  DescribeInput,
  ProviderMachine,
  ProviderPort,
  ProvisionInput,
  ProvisionResult,
  ReclaimNotice,
  TerminateInput,
  TerminateResult,
} from '../application/provider/provider.port';
import type { Clock } from '../domain/shared/ports';
import { ScriptBook, refusesTermination, type FakeBehaviour, type FakeProviderMethod, type ScriptTarget } from './fake-provider/behaviour';
import { CallLog, type FakeProviderCall, type FakeProviderCallMethod } from './fake-provider/call-log';
import {
  bootIfDue,
  markTerminated,
  shutDownIfDue,
  toFakeMachine,
  toProviderMachine,
  type FakeMachine,
  type MachineRecord,
} from './fake-provider/fake-machine';
import { cancelFleet, launchMachines } from './fake-provider/launch';
import { ReclaimSchedule, scheduleLaunch, takeDueLaunch } from './fake-provider/schedule';
import { ManualClock } from './manual-clock';

export type { FakeBehaviour, FakeProviderMethod, ScriptTarget } from './fake-provider/behaviour';
export { BUILT_IN_BEHAVIOUR } from './fake-provider/behaviour';
export type { FakeProviderCall, FakeProviderCallMethod } from './fake-provider/call-log';
export type { FakeMachine } from './fake-provider/fake-machine';
export type { FakeProviderOptions, ReclaimOptions } from './fake-provider/options';
import type { FakeProviderOptions, ReclaimOptions, RequestRecord } from './fake-provider/options';

/**
 * An in-memory cloud implementing {@link ProviderPort} with real state, scriptable per template or
 * per request (see {@link FakeBehaviour}), deterministic (ids from counters, time from `clock`), and
 * recording every call. Unscripted machines start `pending` and are `running` at the first describe;
 * a fleet scripted with `launchAfterMs` launches them late, and `cancelProvision` cancels it.
 * Scripts are read when they take effect, so scripting mid-test changes what happens next.
 */
export class FakeProvider implements ProviderPort {
  /** The clock the fake reads (the one given, or its own ManualClock). */
  readonly clock: Clock;
  readonly #scripts: ScriptBook;
  readonly #log = new CallLog();
  readonly #machines = new Map<string, MachineRecord>();
  readonly #requests = new Map<string, RequestRecord>();
  readonly #resources = new Map<string, string>();
  readonly #reclaims = new ReclaimSchedule();
  readonly #hung = new Map<(error: Error) => void, FakeProviderMethod>();
  #machineSerial = 0;
  #resourceSerial = 0;
  #disposed = false;

  /** A fresh, empty cloud. Invalid `defaults` (negative counts, empty `instanceTypes`) throw RangeError. */
  constructor(options: FakeProviderOptions = {}) {
    this.clock = options.clock ?? new ManualClock();
    this.#scripts = new ScriptBook(options.defaults);
  }

  /** Merges `behaviour` over what is scripted for `target` (request scripts beat template scripts beat defaults); returns `this`. */
  script(target: ScriptTarget, behaviour: FakeBehaviour): this {
    this.#scripts.add(target, behaviour);
    return this;
  }

  /** Copies of every call made so far, oldest first, with deep-copied inputs. */
  get calls(): FakeProviderCall[] {
    return this.#log.all();
  }

  /** Copies of the calls to one method, oldest first. */
  callsTo<M extends FakeProviderCallMethod>(method: M): Extract<FakeProviderCall, { method: M }>[] {
    return this.#log.to(method);
  }

  /** How many terminate calls named `machineId`, whatever their outcome. */
  terminateCount(machineId: string): number {
    return this.#log.terminateCount(machineId);
  }

  /** Copies of every machine (or those of `requestId`) in creation order, for assertions; reading them changes nothing. */
  machines(requestId?: string): FakeMachine[] {
    return [...this.#machines.values()].filter((m) => requestId === undefined || m.requestId === requestId).map(toFakeMachine);
  }

  /** How many hung calls are waiting for {@link release}. */
  get hangingCalls(): number {
    return this.#hung.size;
  }

  /**
   * Creates machines for `count` units (machines; weights for spot/heterogeneous templates with
   * `vmTypes`). Idempotent per `requestId`: a repeat returns the request's resources and current
   * machines and creates nothing. Throws (or hangs) as scripted; a capacity error creates nothing.
   */
  async provision(input: ProvisionInput): Promise<ProvisionResult> {
    this.#record({ method: 'provision', input, at: this.clock.now() });
    const behaviour = this.#scripts.resolve(input.template.templateId, input.requestId);
    await this.#interrupt('provision', [behaviour]);
    const existing = this.#requests.get(input.requestId);
    if (existing !== undefined) {
      this.#launchIfDue(existing);
      return this.#provisioned(existing);
    }
    if (behaviour.capacityError !== undefined) throw Object.assign(new Error(behaviour.capacityError), { name: 'InsufficientInstanceCapacity' });
    if (!Number.isInteger(input.count) || input.count < 1) {
      throw new RangeError(`FakeProvider.provision: count must be an integer ≥ 1, got ${String(input.count)}`);
    }
    const request = this.#create(input, behaviour);
    return this.#provisioned(request);
  }

  /**
   * Current facts of every machine of the request (by `requestId` or its `resourceIds`), plus any
   * named machine the fake knows (a return request names machines of other requests); unknown ids
   * are absent. Each describe counts as one sync for boot and shutdown progress.
   */
  async describe(input: DescribeInput): Promise<ProviderMachine[]> {
    this.#record({ method: 'describe', input, at: this.clock.now() });
    for (const request of this.#requests.values()) this.#launchIfDue(request);
    const targets = this.#describeTargets(input);
    const request = this.#requests.get(input.requestId);
    await this.#interrupt('describe', [
      this.#scripts.resolve(request?.templateId, input.requestId),
      ...targets.map((m) => this.#scripts.resolve(m.templateId, m.requestId)),
    ]);
    const now = this.clock.now().getTime();
    for (const machine of targets) {
      machine.syncs += 1;
      shutDownIfDue(machine, now);
      bootIfDue(machine, this.#scripts.resolve(machine.templateId, machine.requestId), now);
    }
    return targets.map(toProviderMachine);
  }

  /**
   * Starts terminating the named machines (`shutting-down`, then `terminated` after
   * `terminateAfterSyncs` describes). Idempotent: machines already shutting down, terminated or
   * failed, and ids the fake never created (already gone), are accepted; refused ones are failed.
   */
  async terminate(input: TerminateInput): Promise<TerminateResult> {
    this.#record({ method: 'terminate', input, at: this.clock.now() });
    const machineIds = [...new Set(input.machineIds)];
    const known = machineIds.flatMap((id) => this.#machines.get(id) ?? []);
    await this.#interrupt('terminate', [
      this.#scripts.resolve(this.#requests.get(input.requestId)?.templateId, input.requestId),
      ...known.map((m) => this.#scripts.resolve(m.templateId, m.requestId)),
    ]);
    const accepted: string[] = [];
    const failed: { machineId: string; message: string }[] = [];
    for (const machineId of machineIds) {
      const machine = this.#machines.get(machineId);
      if (machine === undefined || ['shutting-down', 'terminated', 'failed'].includes(machine.status)) {
        accepted.push(machineId);
        continue;
      }
      const behaviour = { ...this.#scripts.resolve(machine.templateId, machine.requestId), ...this.#scripts.forRequest(input.requestId) };
      if (refusesTermination(behaviour, machineId)) {
        failed.push({ machineId, message: behaviour.refuseTerminate?.message ?? 'refused' });
        continue;
      }
      machine.status = 'shutting-down';
      machine.statusReason = `terminated by ${input.requestId}`;
      machine.shutdownSyncsLeft = behaviour.terminateAfterSyncs ?? 0;
      accepted.push(machineId);
    }
    return { accepted, failed };
  }

  /**
   * Releases what provision started for the request: its fleet (a launch still to come never
   * happens, unless scripted `launchDespiteCancel`) and its machines (shutting down, then
   * terminated, as by `terminate`, refusals ignored). Idempotent: `released` lists what this call
   * released (the fleet id and machine ids), empty for a repeat or a request the fake never saw.
   */
  async cancelProvision(input: CancelProvisionInput): Promise<CancelProvisionResult> {
    this.#record({ method: 'cancelProvision', input, at: this.clock.now() });
    const request = this.#requests.get(input.requestId);
    await this.#interrupt('cancelProvision', [this.#scripts.resolve(request?.templateId, input.requestId)]);
    if (request === undefined) return { released: [] };
    this.#launchIfDue(request);
    const terminateAfterSyncs = this.#scripts.resolve(request.templateId, input.requestId).terminateAfterSyncs ?? 0;
    const machines = request.machineIds.map((id) => this.#machine(id));
    return { released: cancelFleet(request, machines, input.requestId, this.clock.now().getTime(), terminateAfterSyncs) };
  }

  /** The scheduled reclaim notices, each with the whole seconds of grace left by the clock (never negative). */
  async reclaimNotices(): Promise<ReclaimNotice[]> {
    this.#record({ method: 'reclaimNotices', input: undefined, at: this.clock.now() });
    return this.#reclaims.notices(this.clock, (machineId) => this.#machines.get(machineId)?.name ?? null);
  }

  /**
   * Schedules a reclaim notice (a spot interruption) for a machine the fake created, replacing any
   * earlier one; the machine itself is untouched (use {@link kill} when the cloud takes it). Unknown
   * id → Error; negative or non-finite grace → RangeError.
   */
  reclaim(machineId: string, options: ReclaimOptions): void {
    this.#known(machineId, 'reclaim');
    this.#reclaims.schedule(machineId, options, this.clock);
  }

  /** Removes every scheduled reclaim notice. */
  clearReclaims(): void {
    this.#reclaims.clear();
  }

  /** Terminates a machine behind Symphony's back: the next describe reports it `terminated` with `reason`. Unknown id → Error. */
  kill(machineId: string, reason = 'terminated outside Symphony'): void {
    markTerminated(this.#known(machineId, 'kill'), reason, this.clock.now().getTime());
  }

  /** Rejects every hung call with an Error naming its method; the fake stays usable. */
  release(): void {
    this.#settleHung((method) => `FakeProvider.release(): the hung ${method} call was released`);
  }

  /** Releases hung calls and makes every later provider call reject; recorded calls and machines stay readable. */
  dispose(): void {
    this.#disposed = true;
    this.#settleHung((method) => `FakeProvider.dispose(): the hung ${method} call was abandoned`);
  }

  #record(call: FakeProviderCall): void {
    if (this.#disposed) throw new Error(`FakeProvider.${call.method}: the provider is disposed`);
    this.#log.record(call);
  }

  /** Throws or hangs when any of `behaviours` says so for `method`; the first one scripted wins. */
  async #interrupt(method: FakeProviderMethod, behaviours: readonly FakeBehaviour[]): Promise<void> {
    const message = behaviours.map((b) => b.throwAt?.[method]).find((m) => m !== undefined);
    if (message !== undefined) throw new Error(message);
    if (!behaviours.some((b) => b.hangAt?.[method] === true)) return;
    // No timer: a hung call keeps nothing alive, so a test that forgets to release still exits.
    await new Promise<never>((_, reject) => this.#hung.set(reject, method));
  }

  #settleHung(message: (method: FakeProviderMethod) => string): void {
    const hung = [...this.#hung];
    this.#hung.clear();
    for (const [reject, method] of hung) reject(new Error(message(method)));
  }

  #create(input: ProvisionInput, behaviour: FakeBehaviour): RequestRecord {
    const resourceId = `fleet-fake${String(++this.#resourceSerial).padStart(4, '0')}`;
    const now = this.clock.now().getTime();
    const pendingLaunch = scheduleLaunch(input, behaviour, now);
    const request: RequestRecord = { templateId: input.template.templateId, resourceIds: [resourceId], machineIds: [], pendingLaunch, cancelledAt: null };
    this.#requests.set(input.requestId, request);
    this.#resources.set(resourceId, input.requestId);
    if (pendingLaunch === null) this.#launch(request, input, behaviour, now);
    return request;
  }

  /** Launches an asynchronous fleet's machines once its time has come (a cancelled fleet's, only if scripted to). */
  #launchIfDue(request: RequestRecord): void {
    const pending = takeDueLaunch(request, this.clock);
    if (pending !== null) this.#launch(request, pending.input, this.#scripts.resolve(request.templateId, pending.input.requestId), pending.at);
  }

  #launch(request: RequestRecord, input: ProvisionInput, behaviour: FakeBehaviour, launchTime: number): void {
    for (const machine of launchMachines(input, behaviour, request.resourceIds[0]!, launchTime, () => ++this.#machineSerial)) {
      this.#machines.set(machine.machineId, machine);
      request.machineIds.push(machine.machineId);
    }
  }

  #provisioned(request: RequestRecord): ProvisionResult {
    return { resourceIds: [...request.resourceIds], machines: request.machineIds.map((id) => toProviderMachine(this.#machine(id))) };
  }

  /** Machines of the request, of its named resources, then named machines, each once, in that order. */
  #describeTargets(input: DescribeInput): MachineRecord[] {
    const ids = new Set<string>(this.#requests.get(input.requestId)?.machineIds);
    for (const resourceId of input.resourceIds) {
      const owner = this.#resources.get(resourceId);
      for (const id of owner === undefined ? [] : (this.#requests.get(owner)?.machineIds ?? [])) ids.add(id);
    }
    for (const id of input.machineIds) if (this.#machines.has(id)) ids.add(id);
    return [...ids].map((id) => this.#machine(id));
  }

  #machine(machineId: string): MachineRecord {
    const machine = this.#machines.get(machineId);
    if (machine === undefined) throw new Error(`FakeProvider: internal state lost machine ${machineId}`);
    return machine;
  }

  #known(machineId: string, what: string): MachineRecord {
    const machine = this.#machines.get(machineId);
    if (machine === undefined) {
      const known = [...this.#machines.keys()].slice(0, 5).join(', ') || 'none yet';
      throw new Error(`FakeProvider.${what}: no machine "${machineId}" was created by this fake (known: ${known})`);
    }
    return machine;
  }
}
