import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createHostFactory, ImportTemplates, silentLogger, systemClock, type HostFactory, type ImportedTemplate, type Logger, type Storage } from 'hostfactory-kernel';
import { FakeProvider } from 'hostfactory-kernel/testing';
import type { Instrumentation } from 'hostfactory-kernel/otel';
import { buildApp, type MutualTlsOptions } from './app';
import type { AuthOptions } from './auth';
import type { CallerLimitOptions } from './caller-limits';
import { requestOwnersProjection } from './tenancy';
import { pinoLogger, traceRequests } from './telemetry';

/** Templates imported at start-up so a fresh service has something to request machines from. */
export const SAMPLE_TEMPLATES = {
  templates: [
    {
      templateId: 'small-ondemand',
      maxNumber: 20,
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] },
      vmType: 't3.medium',
      providerApi: 'EC2Fleet',
    },
    {
      templateId: 'large-ondemand',
      maxNumber: 5,
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '16'], nram: ['Numeric', '65536'] },
      vmType: 'm5.4xlarge',
      providerApi: 'EC2Fleet',
    },
    {
      templateId: 'spot-mixed',
      maxNumber: 40,
      priceType: 'spot',
      attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '4'], nram: ['Numeric', '16384'] },
      vmTypes: { 'c5.xlarge': 1, 'c5.2xlarge': 2 },
      providerApi: 'SpotFleet',
    },
  ],
};

/** Options of {@link startRestService}. */
export interface RestServiceOptions {
  /** The storage adapter (SQLite in `server.ts`, or in memory). */
  readonly storage: Storage;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** How bearer tokens are checked (`server.ts` builds these from the environment, or a demo key). */
  readonly auth: AuthOptions;
  /** Per-caller machine limits; default 100 per request, 500 per hour. */
  readonly limits?: CallerLimitOptions;
  /** Serve HTTPS and require client certificates of this CA (mutual TLS). */
  readonly tls?: MutualTlsOptions;
  /** Where the library logs. Default: `log` through {@link pinoLogger}, else silent. */
  readonly logger?: Logger;
  /**
   * How often the service runs `Reconcile` while it is up (settling requests nobody asked about,
   * deadlines, lost terminate calls). Default: the reconciler's (docs/use-cases.md, "Defaults").
   */
  readonly reconcileEveryMs?: number;
  /** A pino logger: Fastify logs requests with it, and the library logs through it too. */
  readonly log?: FastifyBaseLogger;
  /** Traces and metrics of the host factory (`startTelemetry().instrumentation`). */
  readonly instrumentation?: Instrumentation;
}

/** A running example service. */
export interface RestService {
  readonly app: FastifyInstance;
  readonly hostFactory: HostFactory;
  /** The simulated cloud: no real machine is ever started. */
  readonly provider: FakeProvider;
  /** Base URL, e.g. `http://127.0.0.1:8080` (`https://` with `tls`). */
  readonly url: string;
  /** What importing {@link SAMPLE_TEMPLATES} did to each. */
  readonly imported: readonly ImportedTemplate[];
  /** Stops listening and the reconciler (waiting for a run in progress), then releases the host factory and the fake cloud. */
  close(): Promise<void>;
}

/**
 * Wires a host factory on `storage` and a {@link FakeProvider} (a simulated cloud on the system
 * clock), imports the sample templates, serves the REST API on 127.0.0.1 only, and runs the
 * library's reconciler every `reconcileEveryMs` until `close()`.
 */
export async function startRestService(options: RestServiceOptions): Promise<RestService> {
  const logger = options.logger ?? (options.log === undefined ? silentLogger : pinoLogger(options.log));
  const provider = new FakeProvider({ clock: systemClock });
  const hostFactory = createHostFactory({
    storage: options.storage,
    provider,
    logger,
    projections: [requestOwnersProjection],
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
  });
  let app: ReturnType<typeof buildApp>;
  try {
    app = buildApp({
      hostFactory,
      readModels: options.storage.readModels,
      auth: options.auth,
      logger,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
  } catch (error) {
    hostFactory.dispose();
    provider.dispose();
    throw error;
  }
  if (options.instrumentation !== undefined) traceRequests(app);
  try {
    const { templates } = await hostFactory.commands.execute(ImportTemplates.from({ document: SAMPLE_TEMPLATES }), { correlationId: 'startup-import' });
    const url = await app.listen({ port: options.port, host: '127.0.0.1' });
    hostFactory.reconciler.start({
      ...(options.reconcileEveryMs === undefined ? {} : { everyMs: options.reconcileEveryMs }),
      onRun: (result) => {
        if (result.abandoned + result.closed + result.errors > 0) logger.info('reconciled open requests', { ...result });
      },
    });
    return {
      app,
      hostFactory,
      provider,
      url,
      imported: templates,
      async close() {
        await app.close();
        await hostFactory.reconciler.stop();
        hostFactory.dispose();
        provider.dispose();
      },
    };
  } catch (error) {
    await app.close();
    hostFactory.dispose();
    provider.dispose();
    throw error;
  }
}
