import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import type { TokenAlgorithm } from './auth';

/** What {@link TokenIssuer.mint} puts in a token besides `iss`, `aud`, `iat`, `jti`. */
export interface TokenClaims {
  readonly subject: string;
  readonly tenant: string;
  /** Written as the space-separated `scope` claim. */
  readonly scopes?: readonly string[];
  /** Lifetime in seconds from now; default 3600. Negative: already expired. */
  readonly expiresInSeconds?: number;
  /** Seconds from now before which the token is not valid (`nbf`). */
  readonly notBeforeSeconds?: number;
  /** Other claims (e.g. `roles`), or overrides of `iss`/`aud`. */
  readonly extra?: JWTPayload;
}

/**
 * A token issuer for the demo and the tests: one key pair made at start (never a stored secret), its
 * public JWKS for the service, and signed tokens. A real deployment gets tokens from its identity provider.
 */
export interface TokenIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** The public key set to verify with (`auth.keys = { jwks }`). */
  readonly jwks: JSONWebKeySet;
  /** The private signing key as a JWK, for `mint-token.ts` (keep it in a file only you can read). */
  readonly privateJwk: JWK;
  /** A signed compact JWT for `claims`. */
  mint(claims: TokenClaims): Promise<string>;
}

/** Makes a key pair for `algorithm` (default ES256) and an issuer signing with it. */
export async function createTokenIssuer(options: { issuer: string; audience: string; algorithm?: TokenAlgorithm }): Promise<TokenIssuer> {
  const alg = options.algorithm ?? 'ES256';
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return issuerFor(options.issuer, options.audience, { keys: [publicJwk] }, privateJwk, privateKey);
}

/** An issuer from a private JWK written by {@link createTokenIssuer} (`mint-token.ts`). */
export async function tokenIssuerFromJwk(options: { issuer: string; audience: string; privateJwk: JWK }): Promise<TokenIssuer> {
  const { privateJwk } = options;
  if (typeof privateJwk.alg !== 'string' || typeof privateJwk.kid !== 'string') throw new Error('the signing key needs "alg" and "kid"');
  const key = (await importJWK(privateJwk, privateJwk.alg)) as CryptoKey;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  return issuerFor(options.issuer, options.audience, { keys: [publicJwk] }, privateJwk, key);
}

function issuerFor(issuer: string, audience: string, jwks: JSONWebKeySet, privateJwk: JWK, key: CryptoKey): TokenIssuer {
  const alg = privateJwk.alg!;
  return {
    issuer,
    audience,
    jwks,
    privateJwk,
    async mint(claims) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = { tenant: claims.tenant, ...(claims.scopes === undefined ? {} : { scope: claims.scopes.join(' ') }), ...claims.extra };
      const jwt = new SignJWT(payload)
        .setProtectedHeader({ alg, kid: privateJwk.kid!, typ: 'JWT' })
        .setSubject(claims.subject)
        .setIssuedAt(now)
        .setJti(randomUUID())
        .setExpirationTime(now + (claims.expiresInSeconds ?? 3600));
      if (claims.extra?.iss === undefined) jwt.setIssuer(issuer);
      if (claims.extra?.aud === undefined) jwt.setAudience(audience);
      if (claims.notBeforeSeconds !== undefined) jwt.setNotBefore(now + claims.notBeforeSeconds);
      return jwt.sign(key);
    },
  };
}
