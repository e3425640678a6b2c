import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MutualTlsOptions } from './app';
import { ASYMMETRIC_ALGORITHMS, type AuthOptions, type TokenAlgorithm } from './auth';
import type { JWK } from 'jose';
import { createTokenIssuer, tokenIssuerFromJwk, type TokenClaims } from './token-issuer';

/** What {@link demoAuth} made: the auth options trusting the demo key, and where its private half is. */
export interface DemoAuth {
  readonly auth: AuthOptions;
  readonly keyFile: string;
  readonly dir: string;
}

/**
 * The identity provider the environment names (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_FILE or
 * AUTH_JWKS_URL, optionally AUTH_ALGORITHMS), or undefined when no AUTH_* variable is set (demo
 * mode). Throws naming what to set when the set is incomplete or names an unsafe algorithm.
 */
export function authFromEnv(env: NodeJS.ProcessEnv): AuthOptions | undefined {
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_FILE: jwksFile, AUTH_JWKS_URL: jwksUrl, AUTH_ALGORITHMS: algs } = env;
  if ([issuer, audience, jwksFile, jwksUrl, algs].every((v) => v === undefined || v === '')) return undefined;
  if (!issuer || !audience || (!jwksFile && !jwksUrl) || (jwksFile && jwksUrl)) {
    throw new Error('Set AUTH_ISSUER, AUTH_AUDIENCE and one of AUTH_JWKS_FILE or AUTH_JWKS_URL (or no AUTH_* variable for the demo key)');
  }
  const algorithms = algs ? (algs.split(',').map((a) => a.trim()) as TokenAlgorithm[]) : undefined;
  for (const alg of algorithms ?? []) if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) throw new Error(`AUTH_ALGORITHMS: "${alg}" is not one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  return { issuer, audience, keys: jwksFile ? { jwksFile } : { jwksUrl: jwksUrl! }, ...(algorithms === undefined ? {} : { algorithms }) };
}

/** Mutual TLS from TLS_KEY_FILE, TLS_CERT_FILE and TLS_CLIENT_CA_FILE (all three or none; throws otherwise, or when a file is unreadable). */
export function tlsFromEnv(env: NodeJS.ProcessEnv): MutualTlsOptions | undefined {
  const files = [env.TLS_KEY_FILE, env.TLS_CERT_FILE, env.TLS_CLIENT_CA_FILE];
  if (files.every((f) => f === undefined || f === '')) return undefined;
  if (files.some((f) => f === undefined || f === '')) throw new Error('Set all of TLS_KEY_FILE, TLS_CERT_FILE and TLS_CLIENT_CA_FILE for mutual TLS, or none of them');
  const [key, cert, clientCa] = files.map((f) => readFileSync(f!)) as [Buffer, Buffer, Buffer];
  return { key, cert, clientCa };
}

/**
 * Demo mode: a key made now; its private half (with issuer and audience, what `mint-token.ts` reads)
 * in a new 0700 directory under `parent`, in a 0600 file. Delete `dir` on exit.
 */
export async function demoAuth(parent: string): Promise<DemoAuth> {
  const issuer = await createTokenIssuer({ issuer: 'urn:hostfactory-rest-example:demo-issuer', audience: 'hostfactory-rest-example' });
  const dir = mkdtempSync(join(parent, 'hostfactory-rest-demo-'));
  const keyFile = join(dir, 'signing-key.json');
  writeFileSync(keyFile, JSON.stringify({ issuer: issuer.issuer, audience: issuer.audience, privateJwk: issuer.privateJwk }), { mode: 0o600, flag: 'wx' });
  return { auth: { issuer: issuer.issuer, audience: issuer.audience, keys: { jwks: issuer.jwks } }, keyFile, dir };
}

/** A token signed with the key file {@link demoAuth} wrote (what `npm run example:rest:token` prints). */
export async function mintWithKeyFile(keyFile: string, claims: TokenClaims): Promise<string> {
  const { issuer, audience, privateJwk } = JSON.parse(readFileSync(keyFile, 'utf8')) as { issuer: string; audience: string; privateJwk: JWK };
  return (await tokenIssuerFromJwk({ issuer, audience, privateJwk })).mint(claims);
}
