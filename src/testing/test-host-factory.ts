import { createHostFactory, type HostFactory, type HostFactoryOptions } from '../application/host-factory';
import type { Storage } from '../application/storage/storage';
import { HostFactoryError } from '../kernel';
import { FakeProvider } from './fake-provider';
import { createInMemoryStorage, type InMemoryStorage } from './in-memory-storage';
import { ManualClock, sequentialIds, type Duration } from './manual-clock';

/** Options of {@link createTestHostFactory}: any `createHostFactory` option, each port overridable. */
export interface TestHostFactoryOptions extends Partial<HostFactoryOptions> {
  /** Where the clock starts; ignored when `clock` is given. */
  startAt?: Date;
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
  /** Moves the manual clock forward. */
  advance(duration: Duration): Date;
  /**
   * Resolves when every event committed so far has been applied by every projection and delivered
   * on the event bus, so tests never sleep. Fails with `TIMEOUT` listing what is still pending.
   */
  settle(options?: { timeoutMs?: number }): Promise<void>;
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
  const hostFactory = createHostFactory({
    ...options,
    storage,
    provider,
    clock: options.clock ?? clock!,
    ids: options.ids ?? sequentialIds(),
  });
  return {
    ...hostFactory,
    storage,
    provider,
    fake,
    clock,
    memory,
    advance(duration) {
      if (clock === undefined) throw new HostFactoryError('INVALID_CONFIGURATION', 'advance() needs the test kit’s ManualClock; you passed your own clock, move it yourself.');
      return clock.advance(duration);
    },
    async settle({ timeoutMs = 5_000 } = {}) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(async () => {
          const head = await storage.eventLog.head().catch(() => NaN);
          const pending = hostFactory
            .projectionStatus()
            .filter((p) => p.position < head || p.error !== undefined)
            .map((p) => `${p.projection} at ${p.position} of ${head}${p.error === undefined ? '' : ` (failing: ${String(p.error)})`}`);
          reject(new HostFactoryError('TIMEOUT', `settle() timed out after ${timeoutMs} ms; still pending: ${pending.join('; ') || 'event delivery to the event bus'}.`, { details: { pending } }));
        }, timeoutMs);
      });
      try {
        await Promise.race([hostFactory.catchUp(), expired]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
