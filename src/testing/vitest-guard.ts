import type { TestRunner } from './contract-runner';

/** What `hostfactory-kernel/testing/vitest` says when it is loaded outside vitest, or required. */
export const OUTSIDE_VITEST =
  "hostfactory-kernel/testing/vitest runs only inside vitest, as an ES module. With Jest, Mocha, node:test or any other runner, use the runner-neutral functions of 'hostfactory-kernel/testing': " +
  "runStorageContract(options, { describe, it }) and runProviderContract(options, { describe, it }), passing your runner's describe and it (see docs/testing.md).";

/**
 * vitest's `describe` and `it`, imported only once we know vitest is running this module (its
 * worker global is set), so that anywhere else the error names the neutral entry instead of
 * failing inside vitest's internals or on a missing package.
 */
export async function loadVitest(): Promise<TestRunner> {
  if (typeof (globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ !== 'object') throw new Error(OUTSIDE_VITEST);
  const { describe, it } = await import('vitest');
  return { describe, it };
}
