import { normaliseText } from '../../domain/shared/text';
import { ProviderError } from '../../domain/shared/errors';
import { isKernelError, TimeoutError } from '../../kernel';
import { instrumented } from '../../kernel/scope';
import type { Runtime } from '../runtime';
import { normaliseProviderAnswer } from './provider-text';

/**
 * Calls the provider with the configured time limit. A throw becomes `PROVIDER_ERROR` carrying the
 * provider's message (and `requestId`); a call past the limit becomes `TIMEOUT`. The answer's text
 * (and the error's message) is made storable first: the cloud's odd text is recorded, never refused.
 */
export function callProvider<T>(runtime: Runtime, operation: string, requestId: string | undefined, call: () => Promise<T>): Promise<T> {
  return instrumented({ kind: 'provider', operation, requestId }, () => callWithLimit(runtime, operation, requestId, call), runtime.instrumentation);
}

async function callWithLimit<T>(runtime: Runtime, operation: string, requestId: string | undefined, call: () => Promise<T>): Promise<T> {
  const ms = runtime.limits.providerTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`provider.${operation}`, ms)), ms);
  });
  const work = Promise.resolve().then(call);
  work.catch(() => undefined);
  try {
    return normaliseProviderAnswer(operation, await Promise.race([work, expired])) as T;
  } catch (error) {
    if (isKernelError(error, 'TIMEOUT')) throw error;
    const message = normaliseText(error instanceof Error ? error.message : String(error), 'reason');
    throw new ProviderError(`The provider failed in ${operation}: ${message}`, {
      ...(requestId === undefined ? {} : { requestId }),
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
