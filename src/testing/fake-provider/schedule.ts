import type { ProvisionInput, ReclaimNotice } from '../../application/provider/provider.port';
import type { Clock } from '../../domain/shared/ports';
import type { FakeBehaviour } from './behaviour';
import type { ReclaimOptions, RequestRecord, ScheduledReclaim } from './options';

/** An asynchronous fleet's launch still to come: when, what provision asked for, and whether a cancel stops it. */
export type PendingLaunch = NonNullable<RequestRecord['pendingLaunch']>;

/**
 * The launch a fleet scripted with `launchAfterMs` > 0 keeps for later: due that long after `now`,
 * with a copy of `input`. `null` when the fleet launches at once.
 */
export function scheduleLaunch(input: ProvisionInput, behaviour: FakeBehaviour, now: number): PendingLaunch | null {
  const late = behaviour.launchAfterMs !== undefined && behaviour.launchAfterMs > 0;
  return late ? { at: now + behaviour.launchAfterMs!, input: structuredClone(input), despiteCancel: behaviour.launchDespiteCancel === true } : null;
}

/**
 * Takes the request's launch still to come once `clock` has reached its time, so it happens once;
 * `null` (changing nothing) when none is due. The clock is read only when a launch is pending.
 */
export function takeDueLaunch(request: RequestRecord, clock: Clock): PendingLaunch | null {
  const pending = request.pendingLaunch;
  if (pending === null || clock.now().getTime() < pending.at) return null;
  request.pendingLaunch = null;
  return pending;
}

/** Reclaim notices by machine id, each counted down by the clock from when it was scheduled. */
export class ReclaimSchedule {
  readonly #notices = new Map<string, ScheduledReclaim>();

  /** Schedules a notice for `machineId` at the clock's now, replacing any earlier one; negative or non-finite grace → RangeError. */
  schedule(machineId: string, options: ReclaimOptions, clock: Clock): void {
    if (!Number.isFinite(options.gracePeriod) || options.gracePeriod < 0) {
      throw new RangeError(`FakeProvider.reclaim: gracePeriod must be a number of seconds ≥ 0, got ${String(options.gracePeriod)}`);
    }
    this.#notices.set(machineId, { gracePeriod: options.gracePeriod, reason: options.reason, scheduledAt: clock.now().getTime() });
  }

  /** Every notice, in the order machines were first scheduled, with the whole seconds of grace left by `clock` (never negative). */
  notices(clock: Clock, nameOf: (machineId: string) => string | null): ReclaimNotice[] {
    const now = clock.now().getTime();
    return [...this.#notices].map(([machineId, notice]) => ({
      machineId,
      name: nameOf(machineId),
      gracePeriod: Math.max(0, Math.floor(notice.gracePeriod - (now - notice.scheduledAt) / 1000)),
      ...(notice.reason === undefined ? {} : { reason: notice.reason }),
    }));
  }

  /** Removes every notice. */
  clear(): void {
    this.#notices.clear();
  }
}
