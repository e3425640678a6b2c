import { Token } from 'typedi';
import type { Clock, DomainContext, IdGenerator } from '../domain/shared/ports';
import type { HandlerContext, Logger } from '../kernel';
import type { Instrumentation } from '../kernel/instrumentation';
import type { ImageResolver } from './provider/image-resolver';
import type { ProviderPort } from './provider/provider.port';
import type { Projector } from './read-models/projector';
import type { Storage } from '../storage/storage';
import type { HostFactoryLimits } from './tokens';

/** Everything the library's use-case handlers need, resolved once per host factory. */
export interface Runtime {
  readonly storage: Storage;
  readonly provider: ProviderPort;
  /** Resolves indirect template images before each provision call; none: images are passed as written. */
  readonly images?: ImageResolver;
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
 * The domain context of one command: the clock read once, ids, the dispatch's tracing ids (its
 * correlation, and its `messageId` as the causation of every event it records) and its caller
 * metadata when it has any (stored with each event: who asked).
 */
export function domainContext(runtime: Runtime, context: HandlerContext | undefined): DomainContext {
  const metadata = context?.metadata;
  return {
    now: runtime.clock.now(),
    ids: runtime.ids,
    ...(context === undefined ? {} : { correlationId: context.correlationId }),
    causationId: context === undefined ? runtime.ids.uuid() : context.messageId,
    ...(metadata === undefined || isEmpty(metadata) ? {} : { metadata }),
  };
}

function isEmpty(record: Readonly<Record<string, unknown>>): boolean {
  for (const _ in record) return false;
  return true;
}
