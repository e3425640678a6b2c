/**
 * Vitest bindings of the conformance suites: `hostfactory-kernel/testing/vitest`. The only module of
 * the package that imports vitest (an optional peer dependency). ESM only, and only inside vitest:
 * loaded anywhere else it throws, naming `runStorageContract(options, { describe, it })` from
 * `hostfactory-kernel/testing`, which works with every runner.
 */
import type { Storage } from '../storage/storage';
import { runProviderContract as runProviderWith, runStorageContract as runStorageWith } from './contract-runner';
import type { ProviderContractOptions } from './provider-contract';
import type { StorageContractOptions } from './storage-contract';
import { replayRecording, type ReplayOptions } from './replay/replay';
import { formatReplayReport } from './replay/replay-report';
import { loadVitest } from './vitest-guard';

const vitest = await loadVitest();
const { it } = await import('vitest');

/** Declares the storage contract as a vitest suite: one `describe(name)` with an `it` per case. Call it at the top level of a test file. */
export function runStorageContract<S extends Storage>(options: StorageContractOptions<S>): void {
  runStorageWith(options, vitest);
}

/** Declares the provider contract as a vitest suite: one `describe(name)` with an `it` per case. Call it at the top level of a test file. */
export function runProviderContract(options: ProviderContractOptions): void {
  runProviderWith(options, vitest);
}

/**
 * Declares one vitest test replaying a recording or scenario file (or several, oldest first) against
 * this build: it fails with the replay report (each divergence, interrupted call and torn line) unless every call
 * answered as recorded. The regression test of an incident, in one line.
 */
export function replayTest(files: string | readonly string[], options: ReplayOptions & { readonly timeoutMs?: number } = {}): void {
  const list = typeof files === 'string' ? [files] : files;
  const name = list.map((file) => file.split(/[\\/]/).pop()).join(' + ');
  it(
    `replays ${name} as recorded`,
    async () => {
      const report = await replayRecording(list, options);
      if (!report.matched || report.torn.length > 0 || report.interrupted.length > 0) throw new Error(formatReplayReport(report));
    },
    options.timeoutMs ?? 60_000,
  );
}
