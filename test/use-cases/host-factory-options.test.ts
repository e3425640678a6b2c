import { Container } from 'typedi';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostFactory, type HostFactoryOptions } from '../../src/application/host-factory';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { type ProviderPort } from '../../src/application/provider/provider.port';
import type { Logger } from '../../src/kernel';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';
import { withoutCancel } from './reconcile-support';

/*
 * What createHostFactory() does with its options (src/application/host-factory.ts): the host's
 * container and event delivery reach the kernel, the read models never fail a command, and every
 * port or setting it refuses is named in one INVALID_CONFIGURATION.
 */
const open: TestHostFactory[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.dispose();
});

function opened(options: Parameters<typeof createTestHostFactory>[0] = {}): TestHostFactory {
  const hf = createTestHostFactory(options);
  open.push(hf);
  return hf;
}

/** The error `build()` throws. */
function thrown(build: () => unknown): Error & { code?: string; details?: Record<string, unknown> } {
  try {
    build();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

const SUFFIX = '. Pass a storage adapter ({ unitOfWork, eventLog, readModels }) and a provider adapter implementing ProviderPort.';

describe('createHostFactory() wiring', () => {
  it('uses the container the host passes', () => {
    const container = Container.of('host-factory-options.test');
    const hf = opened({ container });
    expect(hf.container).toBe(container);
  });

  it('delivers events to the host’s handlers as its eventDelivery says', async () => {
    const hf = opened({ eventDelivery: 'stop-at-first-failure' });
    const ran: string[] = [];
    hf.events.register('Job', {
      handle() {
        ran.push('first');
        throw new Error('first failed');
      },
    });
    hf.events.register('Job', {
      handle() {
        ran.push('second');
      },
    });
    await hf.events.publish([{ type: 'Job' }]);
    expect(ran).toEqual(['first']);
  });

  it('answers returnRequests() without machines from the recorded notices', async () => {
    const hf = opened();
    await expect(hf.returnRequests()).resolves.toEqual({ reclaims: [] });
  });

  it('logs a catch-up of the read models that failed after a command, and the command still succeeds', async () => {
    const memory = createInMemoryStorage();
    let failing = false;
    const eventLog = new Proxy(memory.eventLog, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (failing && key === 'readAfter') return Promise.reject(new Error('log offline'));
          return (value as (...rest: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const errors: { message: string; fields: unknown }[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message, fields) => errors.push({ message, fields }) };
    const hf = opened({ storage: { ...memory, eventLog }, logger });
    failing = true;
    await expect(hf.commands.execute(CreateTemplate.from({ template: templateInput() }))).resolves.toBeDefined();
    expect(errors).toEqual([{ message: 'catching up the read models failed', fields: { error: 'Error: log offline' } }]);
    expect(memory.snapshotCounts()).toMatchObject({ templates: 1 });
  });
});

describe('createHostFactory() refusing its options', () => {
  it('names missing options', () => {
    const error = thrown(() => createHostFactory(undefined as unknown as HostFactoryOptions));
    expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION', details: { missing: ['options'] } });
    expect(error.message).toBe(`createHostFactory() is missing required ports or has invalid settings: options${SUFFIX}`);
  });

  it('lists every refused port, separated by commas', () => {
    const error = thrown(() => createHostFactory({ storage: undefined as never, provider: undefined as never }));
    expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION', details: { missing: ['storage', 'provider'] } });
    expect(error.message).toBe(`createHostFactory() is missing required ports or has invalid settings: storage, provider${SUFFIX}`);
  });

  it('refuses a checkTemplate that is not a function, naming it', () => {
    const fake = new FakeProvider();
    const provider = Object.assign(withoutCancel(fake), { checkTemplate: 'yes' }) as unknown as ProviderPort;
    const error = thrown(() => createHostFactory({ storage: createInMemoryStorage(), provider }));
    expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION', details: { missing: ['provider.checkTemplate() (optional, but then a function)'] } });
    fake.dispose();
  });

  it('accepts a release window of exactly seven days', () => {
    const hf = opened({ limits: { releaseWindowMs: 7 * 86_400_000 } });
    expect(hf.reconciler.running).toBe(false);
    expect(() => createTestHostFactory({ limits: { releaseWindowMs: 7 * 86_400_000 + 1 } })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
  });
});
