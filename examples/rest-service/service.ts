import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import {
  createHostFactory,
  ImportTemplates,
  silentLogger,
  systemClock,
  type HostFactory,
  type ImportedTemplate,
  type Logger,
  type Storage,
} from '../../src/index';
import { FakeProvider } from '../../src/testing/index';
import type { Instrumentation } from '../../src/otel/index';
import { buildApp } from './app';
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
  /** Where the library logs. Default: `log` through {@link pinoLogger}, else silent. */
  readonly logger?: Logger;
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
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** What importing {@link SAMPLE_TEMPLATES} did to each. */
  readonly imported: readonly ImportedTemplate[];
  /** Stops listening, then releases the host factory and the fake cloud. */
  close(): Promise<void>;
}

/**
 * Wires a host factory on `storage` and a {@link FakeProvider} (a simulated cloud on the system
 * clock), imports the sample templates, and serves the REST API on 127.0.0.1 only.
 */
export async function startRestService(options: RestServiceOptions): Promise<RestService> {
  const logger = options.logger ?? (options.log === undefined ? silentLogger : pinoLogger(options.log));
  const provider = new FakeProvider({ clock: systemClock });
  const hostFactory = createHostFactory({
    storage: options.storage,
    provider,
    logger,
    ...(options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation }),
  });
  const app = buildApp({ hostFactory, logger, ...(options.log === undefined ? {} : { log: options.log }) });
  if (options.instrumentation !== undefined) traceRequests(app);
  try {
    const { templates } = await hostFactory.commands.execute(ImportTemplates.from({ document: SAMPLE_TEMPLATES }), { correlationId: 'startup-import' });
    const url = await app.listen({ port: options.port, host: '127.0.0.1' });
    return {
      app,
      hostFactory,
      provider,
      url,
      imported: templates,
      async close() {
        await app.close();
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
