import { wireHostFactory, type HostFactory, type HostFactoryOptions } from '../application/host-factory';
import type { Storage } from '../storage/storage';
import { KernelError } from '../kernel';
import { FakeProvider } from './fake-provider';
import { createInMemoryStorage, type InMemoryStorage } from './in-memory-storage';
import { ManualClock, sequentialIds, type Duration } from './manual-clock';
import { ActivityTracker, settle } from './settle';

/** Options of {@link createTestHostFactory}: any `createHostFactory` option, each port overridable. */
export interface TestHostFactoryOptions extends Partial<HostFactoryOptions> {
  /** Where the clock starts; ignored when `clock` is given. */
  startAt?: Date;
  /**
   * Whether `settle()` (and so every `scenario` step) rejects with `EVENT_HANDLER_FAILED` when an
   * event handler failed or could not be built since the last `settle()`. Default true; pass false
   * to let handlers fail quietly (failures still reach `onEventError` and the logger).
   */
  failOnEventHandlerErrors?: boolean;
}

/** A host factory on in-memory ports, with handles to its fakes and test controls. */
export interface TestHostFactory extends HostFactory {
  readonly storage: Storage;
  /** The fake cloud (or the host's provider, when one was passed; then `fake` is undefined). */
  readonly fake: FakeProvider | undefined;
  readonly provider: HostFactoryOptions['provider'];
  /** The manual clock (undefined when the host passed its own clock). */
  readonly clock: ManualClock | undefined;
  /** The in-memory storage (undefined when the host passed its own storage). */
  readonly memory: InMemoryStorage | undefined;
  /** Moves the manual clock forward; throws `INVALID_CONFIGURATION` when you passed your own clock. */
  advance(duration: Duration): Date;
  /**
   * Resolves once every command and query dispatched so far has finished, every committed event has
   * been applied by every projection and delivered on the event bus, and that work committed nothing
   * more, so tests never sleep. Rejects with `PROJECTION_FAILED` when a projection stops on an
   * error, with `EVENT_HANDLER_FAILED` listing every event handler that failed since the last
   * `settle()` (see `failOnEventHandlerErrors`), and with `TIMEOUT` (default 5000 ms of real time,
   * fake timers or not) listing what is still pending. Never call it from a handler.
   */
  settle(options?: { timeoutMs?: number }): Promise<void>;
  /** Releases the kernel and its container, and disposes the fake provider (hung calls reject). */
  dispose(): void;
}

/**
 * The full `createHostFactory()` wiring on in-memory storage, a {@link FakeProvider} driven by a
 * {@link ManualClock}, and sequential ids, in a container of its own. Pass any port to test a real
 * adapter inside the same harness.
 */
export function createTestHostFactory(options: TestHostFactoryOptions = {}): TestHostFactory {
  const clock = options.clock === undefined ? new ManualClock(options.startAt) : undefined;
  const memory = options.storage === undefined ? createInMemoryStorage() : undefined;
  const fake = options.provider === undefined ? new FakeProvider({ clock: options.clock ?? clock! }) : undefined;
  const storage = options.storage ?? memory!;
  const provider = options.provider ?? fake!;
  const tracker = new ActivityTracker();
  const hostFactory = wireHostFactory(
    { ...options, storage, provider, clock: options.clock ?? clock!, ids: options.ids ?? sequentialIds() },
    'createTestHostFactory',
  );
  tracker.watchBuses(hostFactory.commands, hostFactory.queries);
  tracker.watchEvents(hostFactory.events);
  return {
    ...hostFactory,
    storage,
    provider,
    fake,
    clock,
    memory,
    advance(duration) {
      if (clock === undefined) throw new KernelError('INVALID_CONFIGURATION', 'advance() needs the test kit’s ManualClock; you passed your own clock, move it yourself.');
      return clock.advance(duration);
    },
    settle: ({ timeoutMs = 5_000 } = {}) => settle(hostFactory, storage, tracker, { timeoutMs, failOnEventHandlerErrors: options.failOnEventHandlerErrors !== false }),
    dispose() {
      hostFactory.dispose();
      fake?.dispose();
    },
  };
}
