import type { TemplateSnapshot } from '../../domain/template/template';

/** A provider method a {@link FakeBehaviour} can make throw or hang. */
export type FakeProviderMethod = 'provision' | 'describe' | 'terminate' | 'cancelProvision';

/**
 * How the {@link FakeProvider} behaves for a template or a request. Every key is optional; a key
 * set by a more specific script (request over template over defaults) replaces the whole key.
 */
export interface FakeBehaviour {
  /** Machines stay `pending` until they have been returned by this many describe calls (0: running at provision). */
  readonly bootAfterSyncs?: number;
  /** Machines stay `pending` until this much clock time has passed since their launch (checked at describe). */
  readonly bootAfterMs?: number;
  /** Machines are `running` (or `failed`, if chosen to fail) as provision returns them. */
  readonly immediate?: boolean;
  /**
   * Chosen machines go `failed` with `message` when they would have come up: the first `count`,
   * and those at `machineIndexes` (0-based, in creation order within the request); neither = all.
   */
  readonly fail?: { readonly count?: number; readonly machineIndexes?: readonly number[]; readonly message: string };
  /** Provision throws an Error with this message (name `InsufficientInstanceCapacity`), creating nothing. */
  readonly capacityError?: string;
  /** The named methods throw an Error with the message, after the call is recorded and before any effect. */
  readonly throwAt?: { readonly [M in FakeProviderMethod]?: string };
  /** The named methods return a promise that settles only when `release()` or `dispose()` rejects it. */
  readonly hangAt?: { readonly [M in FakeProviderMethod]?: boolean };
  /** Terminate leaves these machines (`all`, or `machineIds`; neither = all) untouched and reports them failed with `message`. */
  readonly refuseTerminate?: { readonly machineIds?: readonly string[]; readonly all?: boolean; readonly message: string };
  /** A terminated machine reports `shutting-down` for this many describes, then `terminated` (default 0: the next describe). */
  readonly terminateAfterSyncs?: number;
  /** Instance type of new machines (default: the template's `vmType`, else the first `vmTypes` key). */
  readonly instanceType?: string;
  /** Instance types used in turn for new machines, ahead of `instanceType`; for weighted templates each counts its weight. */
  readonly instanceTypes?: readonly string[];
  /** Price type reported for new machines (default `spot` for spot templates, else `ondemand`). */
  readonly priceType?: 'ondemand' | 'spot';
  /**
   * An asynchronous fleet: provision returns the fleet's id and no machine; the machines are
   * launched (`pending`, launch time then) by the first call at least this long after provision.
   * A cancelled provision launches nothing, unless `launchDespiteCancel`.
   */
  readonly launchAfterMs?: number;
  /** With `launchAfterMs`: the launch was under way when the provision was cancelled, so the machines still appear (as EC2 can launch instances of a fleet being deleted). */
  readonly launchDespiteCancel?: boolean;
}

/** Which scripts a {@link FakeBehaviour} applies to: every request of a template, or one request. */
export type ScriptTarget = { readonly templateId: string } | { readonly requestId: string };

/** What applies when nothing else is scripted: machines come up `running` at the first describe. */
export const BUILT_IN_BEHAVIOUR: FakeBehaviour = { bootAfterSyncs: 1, terminateAfterSyncs: 0 };

/** Scripts by target, resolved request over template over defaults over {@link BUILT_IN_BEHAVIOUR}. */
export class ScriptBook {
  readonly #defaults: FakeBehaviour;
  readonly #byTemplate = new Map<string, FakeBehaviour>();
  readonly #byRequest = new Map<string, FakeBehaviour>();

  constructor(defaults: FakeBehaviour = {}) {
    this.#defaults = { ...BUILT_IN_BEHAVIOUR, ...checkBehaviour(defaults) };
  }

  /** Merges `behaviour` over what is already scripted for `target`. */
  add(target: ScriptTarget, behaviour: FakeBehaviour): void {
    const [book, key] = 'requestId' in target ? [this.#byRequest, target.requestId] : [this.#byTemplate, target.templateId];
    if (typeof key !== 'string' || key === '') throw new TypeError('FakeProvider.script: give { templateId } or { requestId } as a non-empty string');
    book.set(key, { ...book.get(key), ...checkBehaviour(behaviour) });
  }

  /** The behaviour for a request of a template (either may be unknown). */
  resolve(templateId: string | undefined, requestId: string | undefined): FakeBehaviour {
    return {
      ...this.#defaults,
      ...(templateId === undefined ? undefined : this.#byTemplate.get(templateId)),
      ...(requestId === undefined ? undefined : this.#byRequest.get(requestId)),
    };
  }

  /** Only what was scripted for `requestId` itself (empty when nothing was). */
  forRequest(requestId: string): FakeBehaviour {
    return this.#byRequest.get(requestId) ?? {};
  }
}

/** True when `behaviour` picks the machine at `index` of its request to fail. */
export function isChosenToFail(behaviour: FakeBehaviour, index: number): boolean {
  const { fail } = behaviour;
  if (fail === undefined) return false;
  if (fail.count === undefined && fail.machineIndexes === undefined) return true;
  return index < (fail.count ?? 0) || (fail.machineIndexes ?? []).includes(index);
}

/** True when `behaviour` refuses to terminate `machineId`. */
export function refusesTermination(behaviour: FakeBehaviour, machineId: string): boolean {
  const { refuseTerminate: refuse } = behaviour;
  if (refuse === undefined) return false;
  if (refuse.all === true || refuse.machineIds === undefined) return true;
  return refuse.machineIds.includes(machineId);
}

/** Scripted types in turn, else the scripted type, else the template's (`vmTypes` first for weighted templates). */
export function pickInstanceType(template: TemplateSnapshot, behaviour: FakeBehaviour, index: number, weighted: boolean): string {
  const { instanceTypes } = behaviour;
  const scripted = instanceTypes === undefined ? undefined : instanceTypes[index % instanceTypes.length];
  const firstOfVmTypes = template.vmTypes === null ? undefined : Object.keys(template.vmTypes)[0];
  const fromTemplate = weighted ? (firstOfVmTypes ?? template.vmType) : (template.vmType ?? firstOfVmTypes);
  return scripted ?? behaviour.instanceType ?? fromTemplate ?? 'fake.large';
}

function checkBehaviour(behaviour: FakeBehaviour): FakeBehaviour {
  for (const key of ['bootAfterSyncs', 'bootAfterMs', 'terminateAfterSyncs', 'launchAfterMs'] as const) {
    const value = behaviour[key];
    if (value !== undefined && !(value >= 0)) throw new RangeError(`FakeProvider.script: ${key} must be a number ≥ 0, got ${String(value)}`);
  }
  if (behaviour.fail?.count !== undefined && !(behaviour.fail.count >= 0)) {
    throw new RangeError(`FakeProvider.script: fail.count must be ≥ 0, got ${String(behaviour.fail.count)}`);
  }
  if (behaviour.instanceTypes?.length === 0) throw new RangeError('FakeProvider.script: instanceTypes must name at least one type');
  return structuredClone(behaviour);
}
