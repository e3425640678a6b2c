import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { KernelError, Reconcile, silentLogger, type HostFactory, type Logger, type ReadModelStore } from 'hostfactory-kernel';
import { access, installAccessControl, SCOPES, type RouteAccess } from './access';
import { createTokenVerifier, type AuthOptions, type TokenVerifier } from './auth';
import { CallerLimits, type CallerLimitOptions } from './caller-limits';
import { installErrorHandling } from './errors';
import { assignCorrelationId, dispatch } from './http-input';
import { machineRoutes } from './machine.routes';
import { OPENAPI_DOCUMENT } from './openapi';
import { requestRoutes } from './request.routes';
import { registerTenancyQueries, requestOwnersProjection } from './tenancy';
import { templateRoutes } from './template.routes';

/** Largest request body accepted (1 MiB); a larger one is answered 413 `PAYLOAD_TOO_LARGE`. */
export const BODY_LIMIT_BYTES = 1_048_576;

/** Options of {@link buildApp}. */
export interface AppOptions {
  /**
   * The wired use cases; the service only ever uses its `commands` and `queries` buses. It must run
   * `requestOwnersProjection` (`createHostFactory({ projections: [requestOwnersProjection] })`).
   */
  readonly hostFactory: HostFactory;
  /** The read models of the host factory's storage (`storage.readModels`): who owns which request. */
  readonly readModels: ReadModelStore;
  /** How bearer tokens are checked (issuer, audience, key set, algorithms), or a verifier built from them. */
  readonly auth: AuthOptions | TokenVerifier;
  /** Per-caller machine limits; default 100 per request, 500 per hour. */
  readonly limits?: CallerLimitOptions;
  /** Serve HTTPS and require a client certificate signed by `clientCa` (mutual TLS); bearer tokens are still required. */
  readonly tls?: MutualTlsOptions;
  /** Where 5xx failures are logged with their stack and correlation id. Default: silent. */
  readonly logger?: Logger;
  /** Prefix of problem `type` URIs (point it at your error documentation). */
  readonly problemTypeBase?: string;
  /** A pino logger for Fastify's request log. Default: no request log. */
  readonly log?: FastifyBaseLogger;
}

/** Mutual TLS: the service's key and certificate (PEM), and the CA (PEM) that signs client certificates. */
export interface MutualTlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly clientCa: string | Buffer;
}

/** One route as registered: its method, Fastify URL pattern (`/api/v1/templates/:templateId`) and who may call it. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

const ROUTES = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * A Fastify instance serving the host factory under `/api/v1` (plus `GET /health`). Not listening
 * yet: call `listen()` or `inject()`. Errors become RFC 9457 problem documents (see `errors.ts`).
 * Every route but health needs a bearer token, and its scope (docs/rest-service.md, Security).
 * Throws `INVALID_CONFIGURATION` for unsafe auth options or a host factory without the owners projection.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { hostFactory } = options;
  if (!hostFactory.projectionStatus().some((p) => p.projection === requestOwnersProjection.name)) {
    throw new KernelError('INVALID_CONFIGURATION', `buildApp() needs a host factory that runs requestOwnersProjection: createHostFactory({ ..., projections: [requestOwnersProjection] }).`);
  }
  const verifier = 'verify' in options.auth ? options.auth : createTokenVerifier(options.auth);
  const limits = new CallerLimits(options.limits);
  const logger = options.logger ?? silentLogger;
  const { tls } = options;
  // A client without a certificate signed by clientCa fails the TLS handshake: no request is read.
  const https = tls === undefined ? {} : { https: { key: tls.key, cert: tls.cert, ca: tls.clientCa, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const } };
  const common = { bodyLimit: BODY_LIMIT_BYTES, exposeHeadRoutes: false, return503OnClosing: true, ...https } as const;
  const app = (options.log === undefined ? Fastify({ ...common, logger: false }) : Fastify({ ...common, loggerInstance: options.log })) as unknown as FastifyInstance;
  const routes: RegisteredRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    // Fail closed: a route that does not say who may call it is a wiring fault, found at start.
    const level = route.config?.access;
    if (level === undefined) throw new KernelError('INVALID_CONFIGURATION', `Route ${String(route.method)} ${route.url} declares no access level; pass access(...) in its options.`);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, access: level });
  });
  app.decorateRequest('correlationId', '');
  app.addHook('onRequest', async (request, reply) => assignCorrelationId(request, reply));
  installAccessControl(app, verifier, logger);
  installErrorHandling(app, { logger, problemTypeBase: options.problemTypeBase ?? 'urn:hostfactory-kernel:problem:' });
  registerTenancyQueries(hostFactory, options.readModels);

  const health = async (_request: unknown, reply: { code(status: number): unknown }) => {
    const projections = hostFactory.projectionStatus().map(({ projection, position, error }) => ({ projection, position, failing: error !== undefined }));
    const degraded = projections.some((p) => p.failing);
    reply.code(degraded ? 503 : 200);
    return { status: degraded ? 'degraded' : 'ok', projections };
  };
  app.get('/health', access('public'), health);
  void app.register(
    async (api) => {
      api.get('/health', access('public'), health);
      api.get('/openapi.json', access('authenticated'), async () => OPENAPI_DOCUMENT);
      templateRoutes(api, hostFactory);
      requestRoutes(api, hostFactory, limits);
      machineRoutes(api, hostFactory);
      api.post('/reconcile', access(SCOPES.admin), async (request) => hostFactory.commands.execute(Reconcile.from(request.body ?? {}), dispatch(request)));
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/** Every route `app` has registered so far (complete once `app.ready()` resolved). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return [...(ROUTES.get(app) ?? [])];
}
