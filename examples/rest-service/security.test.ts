import { createHmac } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Middleware } from 'hostfactory-kernel';
import { SCOPES, type Scope } from './access';
import { registeredRoutes, type RegisteredRoute } from './app';
import { callWith, serveTestApp, TEST_AUDIENCE, TEST_ISSUER, testIssuer, token, type CallOptions, type Reply, type Served } from './test-harness';
import { createTokenIssuer, type TokenIssuer } from './token-issuer';

let served: Served | undefined;
/** Every command and query that reached the host factory's buses. */
let dispatched: string[];

afterEach(async () => {
  await served?.close();
  served = undefined;
});

const recordDispatches: Middleware = (context, next) => {
  dispatched.push(context.messageName);
  return next();
};

async function serve(): Promise<Served> {
  dispatched = [];
  served = await serveTestApp({ hostFactory: { middleware: [recordDispatches] } });
  return served;
}

function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  return callWith(served!.base, null, method, path, options);
}

/** A concrete request for `route`: its parameters filled in, a JSON body where it takes one. */
function requestFor(route: RegisteredRoute): { method: string; path: string; options: CallOptions } {
  const path = route.url.replace(':templateId', 'small').replace(':requestId', 'req-00000000-0000-4000-8000-000000000001').replace(':machineId', 'i-1');
  return { method: route.method, path, options: ['POST', 'PUT'].includes(route.method) ? { body: {} } : {} };
}

function protectedRoutes(): RegisteredRoute[] {
  return registeredRoutes(served!.app).filter((r) => r.access !== 'public');
}

/** A 401 problem that tells an attacker nothing about what was wrong. */
function expectRefused(reply: Reply, code: 'AUTHENTICATION_REQUIRED' | 'INVALID_TOKEN', what: string): void {
  expect(reply.status, `${what}: ${reply.text}`).toBe(401);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status: 401, code });
  expect(reply.body.details, what).toBeUndefined();
  const generic = code === 'INVALID_TOKEN' ? 'The bearer token was refused. Get a new token for this service from your identity provider.' : expect.stringContaining('needs a bearer token');
  expect(reply.body.detail, what).toEqual(generic);
  expect(reply.headers.get('www-authenticate'), what).toBe(code === 'INVALID_TOKEN' ? 'Bearer realm="hostfactory", error="invalid_token"' : 'Bearer realm="hostfactory"');
}

let other: TokenIssuer;
beforeAll(async () => {
  other = await createTokenIssuer({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
});

describe('REST security: authentication', () => {
  it('every route but health refuses a missing, expired, not-yet-valid, foreign-key, wrong-audience or wrong-issuer token, dispatching nothing', async () => {
    await serve();
    const bad: Record<string, string | null> = {
      'no token': null,
      expired: await token({ expiresInSeconds: -120 }),
      'not yet valid': await token({ notBeforeSeconds: 600 }),
      'signed by another key': await other.mint({ subject: 'admin', tenant: 'ops', scopes: Object.values(SCOPES) }),
      'another audience': await token({ extra: { aud: 'some-other-service' } }),
      'another issuer': await token({ extra: { iss: 'https://evil.invalid/' } }),
      'no tenant claim': await (await testIssuer()).mint({ subject: 'admin', tenant: '', scopes: Object.values(SCOPES) }),
    };
    const routes = protectedRoutes();
    expect(routes.length).toBe(15);
    for (const route of routes) {
      const { method, path, options } = requestFor(route);
      for (const [what, bearer] of Object.entries(bad)) {
        expectRefused(await call(method, path, { ...options, token: bearer }), bearer === null ? 'AUTHENTICATION_REQUIRED' : 'INVALID_TOKEN', `${method} ${path} with ${what}`);
      }
    }
    // An unknown URL needs a token too, so routes cannot be enumerated without one.
    expectRefused(await call('GET', '/api/v1/nothing-here', { token: null }), 'AUTHENTICATION_REQUIRED', 'unknown route');
    expect((await call('GET', '/api/v1/nothing-here', { token: await token() })).body).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
    expect(dispatched).toEqual([]);
    expect(await served!.hostFactory.storage.eventLog.head()).toBe(0);
    // Health stays open (load balancers probe it without credentials).
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await call('GET', '/api/v1/health')).status).toBe(200);
  });

  it('logs why a token was refused, with the correlation id, never the token', async () => {
    const { logger } = await serve();
    const expired = await token({ expiresInSeconds: -120 });
    await call('GET', '/api/v1/templates', { token: expired, headers: { 'x-correlation-id': 'trace-401' } });
    await call('GET', '/api/v1/templates', { token: await other.mint({ subject: 'x', tenant: 't' }) });
    const refusals = logger.lines.filter((l) => l.message === 'authentication refused');
    expect(refusals.map((l) => l.fields?.reason)).toEqual([expect.stringContaining('ERR_JWT_EXPIRED'), 'ERR_JWKS_NO_MATCHING_KEY']);
    expect(refusals[0]!.fields).toMatchObject({ correlationId: 'trace-401', url: '/api/v1/templates', code: 'INVALID_TOKEN' });
    expect(JSON.stringify(logger.lines)).not.toContain(expired.split('.')[2]);
  });

  it('answers hostile tokens 401, each refused for its own reason (oversized ones unparsed), dispatching nothing', async () => {
    const { logger } = await serve();
    const valid = await token();
    const [header, payload] = valid.split('.') as [string, string, string];
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const { jwks } = await testIssuer();
    // Key confusion: an HMAC "signature" made with the service's public key as the secret.
    const hsHeader = b64({ alg: 'HS256', typ: 'JWT', kid: jwks.keys[0]!.kid });
    const confused = `${hsHeader}.${payload}.${createHmac('sha256', JSON.stringify(jwks.keys[0])).update(`${hsHeader}.${payload}`).digest('base64url')}`;
    const hostile: Record<string, [string, string]> = {
      huge: [`Bearer ${valid}${'A'.repeat(8000)}`, 'over 4096 bytes'],
      'alg none': [`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'not a compact JWS'],
      'alg none with a signature': [`Bearer ${b64({ alg: 'none' })}.${payload}.${'A'.repeat(43)}`, 'ERR_JOSE_ALG_NOT_ALLOWED'],
      'key confusion (HS256 with the public key)': [`Bearer ${confused}`, 'ERR_JOSE_ALG_NOT_ALLOWED'],
      'malformed base64': [`Bearer ${header}.@@@.${'A'.repeat(10)}`, 'not a compact JWS'],
      'base64 of garbage': [`Bearer ${Buffer.from('not json').toString('base64url')}.${payload}.${'A'.repeat(86)}`, 'ERR_JWS_INVALID'],
      'tampered payload': [`Bearer ${header}.${b64({ sub: 'admin', tenant: 'ops', scope: 'hostfactory:admin', exp: 9_999_999_999 })}.${valid.split('.')[2]}`, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      'four parts': [`Bearer ${valid}.extra`, 'not a compact JWS'],
      'basic credentials': ['Basic YWRtaW46YWRtaW4=', 'not a Bearer credential'],
    };
    for (const [what, [authorization]] of Object.entries(hostile)) {
      const reply = await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1 }, headers: { authorization } });
      expectRefused(reply, what === 'basic credentials' ? 'AUTHENTICATION_REQUIRED' : 'INVALID_TOKEN', what);
    }
    const reasons = logger.lines.filter((l) => l.message === 'authentication refused').map((l) => String(l.fields?.reason));
    Object.values(hostile).forEach(([, reason], i) => expect(reasons[i], Object.keys(hostile)[i]).toContain(reason));
    // Past Node's own header limit (16 KiB) the HTTP parser answers 431 before any route runs.
    expect((await call('GET', '/api/v1/templates', { headers: { authorization: `Bearer ${'A'.repeat(20_000)}` } })).status).toBe(431);
    expect(dispatched).toEqual([]);
  });
});

describe('REST security: scopes', () => {
  it('every route refuses a valid token without its scope with 403 INSUFFICIENT_SCOPE, and admits one with it', async () => {
    await serve();
    const routes = protectedRoutes().filter((r): r is RegisteredRoute & { access: Scope } => r.access !== 'authenticated');
    expect(new Set(routes.map((r) => r.access))).toEqual(new Set(Object.values(SCOPES)));
    for (const route of routes) {
      const { method, path, options } = requestFor(route);
      const without = await token({ subject: 'bob', tenant: 'team-b', scopes: Object.values(SCOPES).filter((s) => s !== route.access && s !== SCOPES.admin) });
      const reply = await call(method, path, { ...options, token: without });
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(403);
      expect(reply.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { requiredScope: route.access } });
      expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="hostfactory", error="insufficient_scope", scope="${route.access}"`);
    }
    expect(dispatched).toEqual([]);
    for (const route of routes) {
      const { method, path, options } = requestFor(route);
      const reply = await call(method, path, { ...options, token: await token({ subject: 'bob', tenant: 'team-b', scopes: [route.access] }) });
      expect([401, 403], `${method} ${path}: ${reply.text}`).not.toContain(reply.status);
    }
    expect(dispatched.length).toBeGreaterThan(0);
  });

  it('grants the scopes of the token’s roles through roleScopes', async () => {
    dispatched = [];
    const { jwks } = await testIssuer();
    served = await serveTestApp({ app: { auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keys: { jwks }, roleScopes: { viewer: [SCOPES.read] } } } });
    const viewer = await token({ scopes: [], extra: { roles: ['viewer'] } });
    expect((await call('GET', '/api/v1/templates', { token: viewer })).status).toBe(200);
    expect((await call('POST', '/api/v1/requests', { token: viewer, body: { templateId: 'small', machineCount: 1 } })).status).toBe(403);
    expect((await call('GET', '/api/v1/templates', { token: await token({ scopes: [], extra: { roles: ['stranger'] } }) })).status).toBe(403);
  });
});
