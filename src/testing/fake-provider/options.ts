import type { ProvisionInput } from '../../application/provider/provider.port';
import type { Clock } from '../../domain/shared/ports';
import type { FakeBehaviour } from './behaviour';

/** Options of {@link FakeProvider}. */
export interface FakeProviderOptions {
  /** Time for launch times, `bootAfterMs`, reclaim grace periods and call records (default: a new ManualClock). */
  readonly clock?: Clock;
  /** Behaviour for every request, over {@link BUILT_IN_BEHAVIOUR} and under template and request scripts. */
  readonly defaults?: FakeBehaviour;
}

/** Options of {@link FakeProvider.reclaim}. */
export interface ReclaimOptions {
  /** Seconds the cloud gives before taking the machine, counted down by the clock. */
  readonly gracePeriod: number;
  readonly reason?: string;
}

/** What the fake remembers of one provisioned request. */
export interface RequestRecord {
  readonly templateId: string;
  readonly resourceIds: readonly string[];
  readonly machineIds: string[];
  /** An asynchronous fleet's launch still to come: when, and what provision asked for. */
  pendingLaunch: { readonly at: number; readonly input: ProvisionInput; readonly despiteCancel: boolean } | null;
  /** When its provision was cancelled (its resources released); `null` until then. */
  cancelledAt: number | null;
}

/** A reclaim notice the fake will report, counted down from `scheduledAt`. */
export interface ScheduledReclaim {
  readonly gracePeriod: number;
  readonly reason: string | undefined;
  readonly scheduledAt: number;
}
