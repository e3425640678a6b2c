// The conformance suites declared with any runner: `runStorageContract(options, { describe, it })`
// and `runProviderContract(options, { describe, it })` take only a runner's two declaration functions.
import { describe, expect, it } from 'vitest';
import { createInMemoryStorage, FakeProvider, providerContract, runProviderContract, runStorageContract, storageContract, type TestRunner } from '../../src/testing';
import * as vitestBindings from '../../src/testing/vitest';

/** A runner that records what is declared, the way Mocha or node:test would collect it. */
function recordingRunner(): TestRunner & { readonly tests: { path: string; body: () => Promise<void> }[] } {
  const stack: string[] = [];
  const tests: { path: string; body: () => Promise<void> }[] = [];
  return {
    tests,
    describe(name, body) {
      stack.push(name);
      body();
      stack.pop();
    },
    it(name, body) {
      tests.push({ path: [...stack, name].join(' > '), body });
    },
  };
}

describe('the runner-neutral contract functions', () => {
  it('declares one group per suite and one test per case, each passing on the kit’s own adapters', async () => {
    const runner = recordingRunner();
    runStorageContract({ name: 'in-memory', create: () => createInMemoryStorage() }, runner);
    runProviderContract({ name: 'fake', create: () => new FakeProvider(), faults: false }, runner);
    const storageCases = storageContract({ name: 'x', create: () => createInMemoryStorage() }).map((c) => `storage contract: in-memory > ${c.name}`);
    const providerCases = providerContract({ name: 'x', create: () => new FakeProvider(), faults: false }).map((c) => `provider contract: fake > ${c.name}`);
    expect(runner.tests.map((t) => t.path)).toEqual([...storageCases, ...providerCases]);
    for (const test of runner.tests) await test.body();
  });

  it('makes a declared test fail when its case fails', async () => {
    const runner = recordingRunner();
    runStorageContract({ name: 'broken', create: () => ({ ...createInMemoryStorage(), eventLog: { ...createInMemoryStorage().eventLog, head: async () => -1 } }) }, runner);
    const results = await Promise.all(runner.tests.map((t) => t.body().then(() => 'passed', () => 'failed')));
    expect(results).toContain('failed');
  });

  it('refuses a runner without describe and it, naming what to pass', () => {
    expect(() => runStorageContract({ name: 'x', create: () => createInMemoryStorage() }, undefined as never)).toThrow(
      /runStorageContract\(options, runner\): runner must have describe\(name, body\) and it\(name, body\) functions/,
    );
    expect(() => runProviderContract({ name: 'x', create: () => new FakeProvider() }, { describe } as never)).toThrow(/runProviderContract\(options, runner\)/);
  });

  it('is what hostfactory-kernel/testing/vitest declares with vitest’s own describe and it', () => {
    expect(Object.keys(vitestBindings).sort()).toEqual(['replayTest', 'runProviderContract', 'runStorageContract']);
  });
});

// The neutral function with vitest's own functions, as any runner would use it.
runStorageContract({ name: 'in-memory storage via the neutral entry', create: createInMemoryStorage }, { describe, it });
