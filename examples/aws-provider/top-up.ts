import { CreateFleetCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { ProviderMachine } from 'hostfactory-kernel';
import { ec2Call } from './errors';
import { deliveredUnits, type FleetView, unfulfilledSlots } from './fleets';
import { clientToken, tagList, UNITS_TAG } from './tags';

/** On a request's first fleet: how many top-up fleets may follow it (template key `fleetTopUpAttempts`). */
export const TOPUP_ATTEMPTS_TAG = 'hostfactory:topup-attempts';
/** On a request's first fleet: `true` when a top-up of a spot fleet may launch on-demand (template key `fleetTopUpOnDemand`). */
export const TOPUP_ON_DEMAND_TAG = 'hostfactory:topup-on-demand';
/** On a top-up fleet: which attempt it is (1, 2, ...). */
export const TOPUP_TAG = 'hostfactory:topup';

/** The most top-ups a template may allow. */
export const MAX_TOPUP_ATTEMPTS = 5;

/** Tags the first fleet carries so that `describe`, with no template at hand, knows the policy. */
export function topUpPolicyTags(attempts: number, onDemand: boolean): Record<string, string> {
  return attempts === 0 ? {} : { [TOPUP_ATTEMPTS_TAG]: String(attempts), ...(onDemand ? { [TOPUP_ON_DEMAND_TAG]: 'true' } : {}) };
}

/** What the request's fleets delivered together, and whether another top-up is due. */
export interface TopUpState {
  readonly first: FleetView;
  readonly asked: number;
  readonly delivered: number;
  readonly attemptsAllowed: number;
  readonly attemptsMade: number;
  /** Every fleet finished (none will launch more). */
  readonly settled: boolean;
  /** A fleet was deleted or cancelled: the request is being released, never topped up. */
  readonly released: boolean;
}

/**
 * The request's top-up state, or `undefined` when its first fleet allows no top-up (then each
 * fleet's own shortfall is reported as before). `launchedTypes(fleet)` lists the instance types the
 * fleet ever launched.
 */
export function topUpState(fleets: readonly FleetView[], launchedTypes: (fleet: FleetView) => string[]): TopUpState | undefined {
  const first = fleets.find((f) => f.tags[TOPUP_TAG] === undefined);
  const allowed = Number(first?.tags[TOPUP_ATTEMPTS_TAG] ?? 0);
  if (first === undefined || !(Number.isInteger(allowed) && allowed > 0)) return undefined;
  return {
    first,
    asked: first.units,
    delivered: fleets.reduce((sum, f) => sum + deliveredUnits(f, launchedTypes(f)), 0),
    attemptsAllowed: Math.min(allowed, MAX_TOPUP_ATTEMPTS),
    attemptsMade: fleets.filter((f) => f.tags[TOPUP_TAG] !== undefined).length,
    settled: fleets.every((f) => f.done),
    released: fleets.some((f) => f.ended),
  };
}

/** True when the request is short, every fleet has finished, and an attempt is left. */
export function topUpDue(state: TopUpState): boolean {
  return state.settled && !state.released && state.delivered < state.asked && state.attemptsMade < state.attemptsAllowed;
}

/**
 * Launches top-up attempt `attemptsMade + 1` for the missing units: an instant EC2 Fleet on the
 * first fleet's launch template and overrides, spot like the first unless the template allows
 * on-demand for the shortfall. The client token is per request and attempt, so two processes
 * describing at once launch one fleet. Returns the new fleet's id.
 */
export async function launchTopUp(client: EC2Client, requestId: string, state: TopUpState): Promise<string> {
  const attempt = state.attemptsMade + 1;
  const missing = state.asked - state.delivered;
  const onDemand = !state.first.spot || state.first.tags[TOPUP_ON_DEMAND_TAG] === 'true';
  const { [TOPUP_ATTEMPTS_TAG]: _attempts, [TOPUP_ON_DEMAND_TAG]: _onDemand, ...inherited } = state.first.tags;
  const answer = await ec2Call(`CreateFleet (top-up ${attempt}) for ${requestId}`, () =>
    client.send(
      new CreateFleetCommand({
        Type: 'instant',
        // An on-demand top-up of a spot fleet drops the spot price caps.
        LaunchTemplateConfigs: state.first.launchConfigs.map((c) => ({ ...c, Overrides: (c.Overrides ?? []).map(({ MaxPrice, ...o }) => (onDemand ? o : { ...o, ...(MaxPrice === undefined ? {} : { MaxPrice }) })) })),
        TargetCapacitySpecification: {
          TotalTargetCapacity: missing,
          OnDemandTargetCapacity: onDemand ? missing : 0,
          SpotTargetCapacity: onDemand ? 0 : missing,
          DefaultTargetCapacityType: onDemand ? 'on-demand' : 'spot',
        },
        ClientToken: clientToken(requestId, `CreateFleet:top-up:${attempt}`),
        TagSpecifications: [{ ResourceType: 'fleet', Tags: tagList({ ...inherited, [UNITS_TAG]: String(missing), [TOPUP_TAG]: String(attempt) }) }],
      }),
    ),
  );
  return answer.FleetId ?? '';
}

/**
 * The request's shortfall once no top-up is left: one `failed` slot per missing unit, named after
 * the last fleet, saying what all the fleets delivered together. Nothing while a fleet works or an
 * attempt is left (the request waits instead of settling `partial` too early).
 */
export function requestShortfall(state: TopUpState, fleets: readonly FleetView[]): ProviderMachine[] {
  if (!state.settled || topUpDue(state) || state.delivered >= state.asked) return [];
  const attempt = (f: FleetView) => Number(f.tags[TOPUP_TAG] ?? 0);
  const last = fleets.reduce((a, b) => (attempt(b) > attempt(a) ? b : a));
  const errors = [...new Set(fleets.map((f) => f.error).filter((e): e is string => e !== null))];
  const reason =
    `the request's fleets delivered ${state.delivered} of ${state.asked} units after ${state.attemptsMade} top-up(s) of ${state.attemptsAllowed} allowed and will launch no more` +
    (errors.length === 0 ? '' : ` (${errors.join('; ')})`);
  return unfulfilledSlots(last.fleetId, state.asked - state.delivered, reason);
}
