import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from './auth';
import { authFromEnv, demoAuth, mintWithKeyFile, tlsFromEnv } from './server-config';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'restauth-config-'));
  dirs.push(dir);
  return dir;
}

describe('server.ts settings from the environment', () => {
  it('reads the identity provider from AUTH_*, and refuses an incomplete or unsafe set naming what to set', () => {
    expect(authFromEnv({})).toBeUndefined();
    expect(authFromEnv({ AUTH_ISSUER: 'https://idp/', AUTH_AUDIENCE: 'hf', AUTH_JWKS_URL: 'https://idp/jwks', AUTH_ALGORITHMS: 'RS256, ES256' })).toEqual({
      issuer: 'https://idp/',
      audience: 'hf',
      keys: { jwksUrl: 'https://idp/jwks' },
      algorithms: ['RS256', 'ES256'],
    });
    expect(authFromEnv({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_FILE: '/etc/jwks.json' })).toEqual({ issuer: 'i', audience: 'a', keys: { jwksFile: '/etc/jwks.json' } });
    expect(() => authFromEnv({ AUTH_ISSUER: 'i' })).toThrow(/Set AUTH_ISSUER, AUTH_AUDIENCE and one of AUTH_JWKS_FILE or AUTH_JWKS_URL/);
    expect(() => authFromEnv({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_FILE: 'f', AUTH_JWKS_URL: 'https://u' })).toThrow(/one of/);
    expect(() => authFromEnv({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_JWKS_FILE: 'f', AUTH_ALGORITHMS: 'HS256' })).toThrow(/"HS256" is not one of/);
  });

  it('reads mutual TLS files from TLS_*, all three or none', () => {
    const dir = scratch();
    for (const name of ['key', 'cert', 'ca']) writeFileSync(join(dir, name), `${name} pem`);
    expect(tlsFromEnv({})).toBeUndefined();
    expect(() => tlsFromEnv({ TLS_KEY_FILE: join(dir, 'key') })).toThrow(/all of TLS_KEY_FILE, TLS_CERT_FILE and TLS_CLIENT_CA_FILE/);
    const tls = tlsFromEnv({ TLS_KEY_FILE: join(dir, 'key'), TLS_CERT_FILE: join(dir, 'cert'), TLS_CLIENT_CA_FILE: join(dir, 'ca') });
    expect([tls?.key, tls?.cert, tls?.clientCa].map(String)).toEqual(['key pem', 'cert pem', 'ca pem']);
  });

  it('demo mode: a fresh key whose private half only this user can read, and tokens minted with it verify', async () => {
    const parent = scratch();
    const demo = await demoAuth(parent);
    expect(statSync(demo.dir).mode & 0o777).toBe(0o700);
    expect(statSync(demo.keyFile).mode & 0o777).toBe(0o600);
    const keys = (demo.auth.keys as { jwks: { keys: Record<string, unknown>[] } }).jwks.keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
    const other = await demoAuth(parent);
    expect((other.auth.keys as { jwks: { keys: { kid?: string }[] } }).jwks.keys[0]!.kid).not.toBe(keys[0]!.kid);

    const token = await mintWithKeyFile(demo.keyFile, { subject: 'alice', tenant: 'team-a', scopes: ['hostfactory:read'] });
    expect(await createTokenVerifier(demo.auth).verify(`Bearer ${token}`)).toEqual({ subject: 'alice', tenant: 'team-a', scopes: ['hostfactory:read'] });
    await expect(createTokenVerifier(other.auth).verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
