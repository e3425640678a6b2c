import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KernelError, type DispatchContext, type Logger } from 'hostfactory-kernel';
import { AuthenticationError, KeySetUnavailableError, type Principal, type TokenVerifier } from './auth';
import { pathOf } from './errors';

/** The scopes this service checks; `admin` grants every route and every tenant's requests. */
export const SCOPES = {
  /** Read templates, requests and machines; validate a template. */
  read: 'hostfactory:read',
  /** Request machines; cancel one's own request. */
  request: 'hostfactory:request',
  /** Return machines. */
  return: 'hostfactory:return',
  /** Create, change and delete templates; run Reconcile; see every tenant's requests. */
  admin: 'hostfactory:admin',
} as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** What a route demands: nothing (`public`: health only), a valid token (`authenticated`), or a scope. */
export type RouteAccess = 'public' | 'authenticated' | Scope;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; set by the access hook on every route that is not `public`. */
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** Required on every route: who may call it (see `RouteAccess`). */
    access?: RouteAccess;
  }
}

/** Route options declaring `access`. */
export function access(level: RouteAccess): { config: { access: RouteAccess } } {
  return { config: { access: level } };
}

/** A response header an error asks the error handler to send (`WWW-Authenticate`, `Retry-After`). */
export interface ErrorHeaders {
  readonly httpHeaders: Readonly<Record<string, string>>;
}

/** A valid token without the route's scope: 403 `INSUFFICIENT_SCOPE`, naming the scope to ask for. */
export class InsufficientScopeError extends KernelError implements ErrorHeaders {
  readonly httpHeaders: Readonly<Record<string, string>>;

  constructor(readonly requiredScope: Scope) {
    const or = requiredScope === SCOPES.admin ? '' : ` (or "${SCOPES.admin}")`;
    super('INSUFFICIENT_SCOPE', `This route needs the scope "${requiredScope}"${or}; ask your identity provider for a token that has it.`, {
      details: { requiredScope },
    });
    this.httpHeaders = { 'www-authenticate': `Bearer realm="hostfactory", error="insufficient_scope", scope="${requiredScope}"` };
  }
}

/** Whether `principal` may use a route needing `scope` (the admin scope grants every route). */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes(SCOPES.admin);
}

/** Whether `principal` sees every tenant's requests. */
export function isAdmin(principal: Principal): boolean {
  return principal.scopes.includes(SCOPES.admin);
}

/** The verified caller of `request`; throws when the route was not authenticated (a wiring fault). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new KernelError('INTERNAL_ERROR', `${request.method} ${pathOf(request)} ran without an authenticated caller.`);
  return request.principal;
}

/**
 * The caller a dispatch carries (`metadata.principal`), for a host's own handlers. The one place that
 * reads it: when the kernel offers dispatch-scoped services, only this function changes.
 */
export function dispatchPrincipal(context: Pick<DispatchContext, 'metadata'>): Principal | undefined {
  const principal = context.metadata.principal as Principal | undefined;
  return typeof principal?.tenant === 'string' && typeof principal.subject === 'string' ? principal : undefined;
}

/**
 * Adds the `onRequest` hook that authenticates every route not declared `public` and checks its
 * scope, before the body is read: a refused call dispatches nothing. Refusals are logged with the
 * correlation id and the reason, never the token.
 */
export function installAccessControl(app: FastifyInstance, verifier: TokenVerifier, logger: Logger): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    // Routes must declare their access (buildApp checks); an unknown URL still needs a valid token.
    const level = request.routeOptions.config.access ?? 'authenticated';
    if (level === 'public') return;
    const where = { correlationId: request.correlationId, method: request.method, url: pathOf(request) };
    try {
      request.principal = await verifier.verify(request.headers.authorization);
    } catch (error) {
      if (error instanceof KeySetUnavailableError) logger.error('cannot check tokens: key set unavailable', { ...where, reason: error.reason });
      else if (error instanceof AuthenticationError) logger.warn('authentication refused', { ...where, code: error.code, reason: error.reason, remoteAddress: request.ip });
      throw error;
    }
    if (level !== 'authenticated' && !hasScope(request.principal, level)) {
      const { subject, tenant } = request.principal;
      logger.warn('access refused', { ...where, subject, tenant, requiredScope: level });
      throw new InsufficientScopeError(level);
    }
  });
}
