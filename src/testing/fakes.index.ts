/**
 * The fakes of `hostfactory-kernel/testing`: a manual clock, sequential ids, the scriptable
 * in-memory cloud, and the provider conformance suite. `runProviderContract` lives in
 * './provider-contract.vitest' so that importing this module never loads vitest.
 */
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
export type { ProviderContractOptions, ProviderContractSubject, ProviderContractCase } from './provider-contract';
