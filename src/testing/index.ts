/**
 * Test support for hosts and for this library (`hostfactory-kernel/testing`): a ready test host
 * factory, in-memory adapters with real semantics, a scriptable fake cloud, a manual clock, and the
 * conformance suites a host's own adapters can run, declared with any test runner
 * (`runStorageContract(options, { describe, it })`). Vitest-only shortcuts live in `./testing/vitest`.
 */
// class-transformer and typedi decorators need the Reflect metadata API; load it before them.
import 'reflect-metadata';
export { createTestHostFactory } from './test-host-factory';
export type { TestHostFactory, TestHostFactoryOptions } from './test-host-factory';
export { scenario } from './scenario';
export type { Scenario, ScenarioWhen, ScenarioOutcome, ScenarioOptions, GivenStep, ExpectedEvent, ExpectedSubset, AsymmetricMatcher } from './scenario';
export { createInMemoryStorage } from './in-memory-storage';
export type { InMemoryStorage, StorageCounts } from './in-memory-storage';
export { storageContract } from './storage-contract';
export type { StorageContractCase, StorageContractOptions } from './storage-contract';
export { ManualClock, MANUAL_CLOCK_START, sequentialIds, toMilliseconds } from './manual-clock';
export type { Duration } from './manual-clock';
export { FakeProvider, BUILT_IN_BEHAVIOUR } from './fake-provider';
export type {
  FakeProviderOptions,
  ReclaimOptions,
  FakeBehaviour,
  FakeProviderMethod,
  ScriptTarget,
  FakeProviderCall,
  FakeProviderCallMethod,
  FakeMachine,
} from './fake-provider';
export { providerContract, sampleTemplateSnapshot } from './provider-contract';
export { runStorageContract, runProviderContract } from './contract-runner';
export type { TestRunner } from './contract-runner';
export type { ProviderContractOptions, ProviderContractSubject, ProviderContractCase } from './provider-contract';
export { replayRecording } from './replay/replay';
export type { ReplayOptions, ReplayReport, ReplayDivergence } from './replay/replay';
export { loadScenarioFile, toScenarioFile } from './replay/replay-source';
export type { ScenarioFile } from './replay/replay-source';
export { formatReplayReport } from './replay/replay-report';
