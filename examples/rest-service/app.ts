import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { silentLogger, type HostFactory, type Logger } from '../../src/index';
import { installErrorHandling } from './errors';
import { assignCorrelationId } from './http-input';
import { machineRoutes } from './machine.routes';
import { OPENAPI_DOCUMENT } from './openapi';
import { requestRoutes } from './request.routes';
import { templateRoutes } from './template.routes';

/** Largest request body accepted (1 MiB); a larger one is answered 413 `PAYLOAD_TOO_LARGE`. */
export const BODY_LIMIT_BYTES = 1_048_576;

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** The wired use cases; the service only ever uses its `commands` and `queries` buses. */
  readonly hostFactory: HostFactory;
  /** Where 5xx failures are logged with their stack and correlation id. Default: silent. */
  readonly logger?: Logger;
  /** Prefix of problem `type` URIs (point it at your error documentation). */
  readonly problemTypeBase?: string;
  /** A pino logger for Fastify's request log. Default: no request log. */
  readonly log?: FastifyBaseLogger;
}

/** One route as registered: its method and Fastify URL pattern (`/api/v1/templates/:templateId`). */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

const ROUTES = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * A Fastify instance serving the host factory under `/api/v1` (plus `GET /health`). Not listening
 * yet: call `listen()` or `inject()`. Errors become RFC 9457 problem documents (see `errors.ts`).
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { hostFactory } = options;
  const common = { bodyLimit: BODY_LIMIT_BYTES, exposeHeadRoutes: false, return503OnClosing: true } as const;
  const app = (options.log === undefined ? Fastify({ ...common, logger: false }) : Fastify({ ...common, loggerInstance: options.log })) as unknown as FastifyInstance;
  const routes: RegisteredRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.decorateRequest('correlationId', '');
  app.addHook('onRequest', async (request, reply) => assignCorrelationId(request, reply));
  installErrorHandling(app, { logger: options.logger ?? silentLogger, problemTypeBase: options.problemTypeBase ?? 'urn:hostfactory-kernel:problem:' });

  const health = async (_request: unknown, reply: { code(status: number): unknown }) => {
    const projections = hostFactory.projectionStatus().map(({ projection, position, error }) => ({ projection, position, failing: error !== undefined }));
    const degraded = projections.some((p) => p.failing);
    reply.code(degraded ? 503 : 200);
    return { status: degraded ? 'degraded' : 'ok', projections };
  };
  app.get('/health', health);
  void app.register(
    async (api) => {
      api.get('/health', health);
      api.get('/openapi.json', async () => OPENAPI_DOCUMENT);
      templateRoutes(api, hostFactory);
      requestRoutes(api, hostFactory);
      machineRoutes(api, hostFactory);
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/** Every route `app` has registered so far (complete once `app.ready()` resolved). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return [...(ROUTES.get(app) ?? [])];
}
