import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHostFactory } from 'hostfactory-kernel/testing';
import { buildApp } from './app';
import { createTokenVerifier, type AuthOptions } from './auth';
import { callWith, serveTestApp, TEST_AUDIENCE, TEST_ISSUER, testAuth, testIssuer, token } from './test-harness';
import { requestOwnersProjection } from './tenancy';
import { createTokenIssuer } from './token-issuer';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function refusal(make: () => unknown): Promise<{ code?: string; message?: string }> {
  try {
    await make();
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error('expected a refusal');
}

describe('token verification settings', () => {
  it('refuses symmetric, none or empty algorithm lists, symmetric or private keys, and bad settings with INVALID_CONFIGURATION', async () => {
    const auth = await testAuth();
    const { privateJwk } = await testIssuer();
    const cases: Record<string, [Partial<AuthOptions>, RegExp]> = {
      HS256: [{ algorithms: ['HS256' as never] }, /asymmetric algorithms only.*refused: HS256/],
      none: [{ algorithms: ['none' as never] }, /refused: none/],
      'empty list': [{ algorithms: [] }, /\(empty list\)/],
      'oct key': [{ keys: { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'k1' }] } } }, /key k1 is symmetric/],
      'private key': [{ keys: { jwks: { keys: [privateJwk] } } }, /holds private key material/],
      'empty key set': [{ keys: { jwks: { keys: [] } } }, /at least one key/],
      'unreadable file': [{ keys: { jwksFile: '/nonexistent/jwks.json' } }, /cannot read the JWKS file \/nonexistent\/jwks\.json/],
      'plain http url': [{ keys: { jwksUrl: 'http://idp.example.com/jwks' } }, /must be https/],
      'clock tolerance': [{ clockToleranceSeconds: 3600 }, /0-300/],
      'empty audience': [{ audience: '' }, /must not be empty/],
    };
    for (const [what, [overrides, message]] of Object.entries(cases)) {
      const error = await refusal(() => createTokenVerifier({ ...auth, ...overrides }));
      expect(error.code, what).toBe('INVALID_CONFIGURATION');
      expect(error.message, what).toMatch(message);
    }
  });

  it('reads the key set from a JWKS file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'restauth-jwks-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify((await testIssuer()).jwks));
    const verifier = createTokenVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keys: { jwksFile: file } });
    const principal = await verifier.verify(`Bearer ${await token({ subject: 'carol', tenant: 'team-c', scopes: ['hostfactory:read'] })}`);
    expect(principal).toEqual({ subject: 'carol', tenant: 'team-c', scopes: ['hostfactory:read'] });
    // `scp` as an array (some providers) works like `scope`.
    const scp = await (await testIssuer()).mint({ subject: 'dan', tenant: 't', extra: { scp: ['b', 'a'] } });
    expect((await verifier.verify(`bearer ${scp}`)).scopes).toEqual(['a', 'b']);
  });

  it('fetches a JWKS URL once and caches it; an unknown key refetches at most once per cooldown', async () => {
    const { jwks } = await testIssuer();
    let fetches = 0;
    const server: Server = createServer((_request, response) => {
      fetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const verifier = createTokenVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keys: { jwksUrl: url } });
    for (let i = 0; i < 5; i++) expect((await verifier.verify(`Bearer ${await token()}`)).subject).toBe('admin');
    expect(fetches).toBe(1);
    const stranger = await createTokenIssuer({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
    for (let i = 0; i < 3; i++) {
      const foreign = await stranger.mint({ subject: 'x', tenant: 't' });
      const error = await refusal(() => verifier.verify(`Bearer ${foreign}`));
      expect(error.code).toBe('INVALID_TOKEN');
    }
    expect(fetches).toBeLessThanOrEqual(2);
  });
});

describe('an unreachable key set', () => {
  it('answers 503 AUTHENTICATION_UNAVAILABLE with Retry-After, not 401, when the JWKS URL hangs, fails or is closed, dispatching nothing', async () => {
    const server: Server = createServer((request, response) => {
      if (request.url === '/hang') return; // never answers
      response.statusCode = 500;
      response.end('oops');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }));
    const port = (server.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    for (const url of [`http://127.0.0.1:${port}/hang`, `http://127.0.0.1:${port}/fail`, `http://127.0.0.1:${closedPort}/jwks`]) {
      const served = await serveTestApp({ app: { auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keys: { jwksUrl: url, timeoutMs: 200 } } } });
      try {
        const reply = await callWith(served.base, await token(), 'POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1 } });
        expect(reply.status, `${url}: ${reply.text}`).toBe(503);
        expect(reply.body).toMatchObject({ code: 'AUTHENTICATION_UNAVAILABLE' });
        expect(reply.headers.get('retry-after')).toBe('30');
        expect(served.logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'cannot check tokens: key set unavailable' }));
        expect(await served.hostFactory.storage.eventLog.head()).toBe(0);
      } finally {
        await served.close();
      }
    }
  });
});

describe('buildApp access wiring', () => {
  it('refuses a host factory without the owners projection', () => {
    const hostFactory = createTestHostFactory();
    cleanups.push(() => hostFactory.dispose());
    expect(() => buildApp({ hostFactory, readModels: hostFactory.storage.readModels, auth: { issuer: 'i', audience: 'a', keys: { jwks: { keys: [] } } } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION', message: expect.stringContaining('requestOwnersProjection') }),
    );
  });

  it('refuses a route that declares no access level (fail closed)', async () => {
    const hostFactory = createTestHostFactory({ projections: [requestOwnersProjection] });
    const app = buildApp({ hostFactory, readModels: hostFactory.storage.readModels, auth: await testAuth() });
    cleanups.push(() => hostFactory.dispose(), () => app.close());
    expect(() => app.get('/api/v1/forgotten', async () => 'open')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION', message: expect.stringContaining('/api/v1/forgotten') }));
  });
});
