import { afterEach, beforeEach, describe, it, vi } from 'vitest';
import { createInMemoryStorage, FakeProvider } from 'hostfactory-kernel/testing';
import { runProviderContract, runStorageContract } from 'hostfactory-kernel/testing/vitest';
import { kitSuite } from '../shared/kit-suite';

// vitest's fake timers in every test: the kit's own waits run on Node's real timers regardless.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

kitSuite({ describe, it, afterEach });

// The vitest shortcuts of hostfactory-kernel/testing/vitest, on vitest 3.
runStorageContract({ name: 'in-memory storage (vitest binding)', create: createInMemoryStorage });
runProviderContract({ name: 'fake provider (vitest binding)', create: () => new FakeProvider(), faults: false });
