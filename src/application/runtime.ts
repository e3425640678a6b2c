import { Token } from 'typedi';
import type { Clock, DomainContext, IdGenerator } from '../domain';
import { ProviderError } from '../domain';
import { isKernelError, TimeoutError, ValidationError, type HandlerContext, type Logger, type ValidationIssue } from '../kernel';
import type { Instrumentation } from '../kernel/instrumentation';
import { instrumented } from '../kernel/scope';
import type { ProviderPort } from './provider/provider.port';
import type { Projector } from './read-models/projector';
import type { Storage } from './storage/storage';
import type { HostFactoryLimits } from './tokens';

/** Everything the library's use-case handlers need, resolved once per host factory. */
export interface Runtime {
  readonly storage: Storage;
  readonly provider: ProviderPort;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly limits: Required<HostFactoryLimits>;
  readonly logger: Logger;
  readonly projector: Projector;
  readonly instrumentation: Instrumentation | undefined;
}

/** @internal The runtime of one host factory, bound in its kernel's container. */
export const RUNTIME = new Token<Runtime>('hostfactory-kernel.runtime');

/**
 * The domain context of one command: the clock read once, ids, and the dispatch's tracing ids (its
 * correlation, and its `messageId` as the causation of every event it records).
 */
export function domainContext(runtime: Runtime, context: HandlerContext | undefined): DomainContext {
  return {
    now: runtime.clock.now(),
    ids: runtime.ids,
    ...(context === undefined ? {} : { correlationId: context.correlationId }),
    causationId: context === undefined ? runtime.ids.uuid() : context.messageId,
  };
}

/**
 * Calls the provider with the configured time limit. A throw becomes `PROVIDER_ERROR` carrying the
 * provider's message (and `requestId`); a call past the limit becomes `TIMEOUT`.
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
    return await Promise.race([work, expired]);
  } catch (error) {
    if (isKernelError(error, 'TIMEOUT')) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderError(`The provider failed in ${operation}: ${message}`, {
      ...(requestId === undefined ? {} : { requestId }),
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Re-throws a ValidationError with every issue path under `prefix` (e.g. `template.maxNumber`). */
export function underPath<T>(prefix: string, subject: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues: ValidationIssue[] = error.issues.map((issue) => ({
      ...issue,
      path: issue.path === '' ? prefix : issue.path.startsWith('[') ? `${prefix}${issue.path}` : `${prefix}.${issue.path}`,
    }));
    throw new ValidationError(subject, issues, { cause: error });
  }
}
