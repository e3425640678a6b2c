import { describe, expect, it } from 'vitest';
import { callProvider } from '../../src/application/provider/provider-call';
import type { Runtime } from '../../src/application/runtime';
import { isKernelError, type KernelError } from '../../src/kernel';
import { TRUNCATION_MARKER } from '../../src/domain/shared/text';

/** The part of a runtime callProvider reads: its time limit, and no instrumentation. */
const runtime = (providerTimeoutMs: number) => ({ limits: { providerTimeoutMs }, instrumentation: undefined }) as unknown as Runtime;

async function failure(work: Promise<unknown>): Promise<KernelError> {
  const error = await work.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (e: unknown) => e,
  );
  expect(isKernelError(error)).toBe(true);
  return error as KernelError;
}

describe('callProvider', () => {
  it('fails a call past the limit with TIMEOUT naming the provider operation', async () => {
    const error = await failure(callProvider(runtime(5), 'describe', 'r-1', () => new Promise<never>(() => undefined)));
    expect(error.code).toBe('TIMEOUT');
    expect(error.details).toEqual({ operation: 'provider.describe', timeoutMs: 5 });
  });

  it('turns a throw into PROVIDER_ERROR carrying the provider\'s message as written and the request id', async () => {
    const cause = new Error('InsufficientInstanceCapacity');
    const error = await failure(callProvider(runtime(10_000), 'provision', 'r-1', () => Promise.reject(cause)));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.details).toStrictEqual({ providerMessage: 'The provider failed in provision: InsufficientInstanceCapacity', requestId: 'r-1' });
    expect(error.cause).toBe(cause);
  });

  it('leaves the request id out of a PROVIDER_ERROR for a call without one', async () => {
    const error = await failure(callProvider(runtime(10_000), 'reclaimNotices', undefined, () => Promise.reject(new Error('AccessDenied'))));
    expect(error.details).toStrictEqual({ providerMessage: 'The provider failed in reclaimNotices: AccessDenied' });
  });

  it('cuts the provider\'s message at the reason limit (1,000 characters)', async () => {
    const error = await failure(callProvider(runtime(10_000), 'describe', undefined, () => Promise.reject(new Error('x'.repeat(1500)))));
    expect(error.details.providerMessage).toBe(`The provider failed in describe: ${'x'.repeat(999)}${TRUNCATION_MARKER}`);
  });
});
