import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { KernelError } from 'hostfactory-kernel';

/**
 * Signature algorithms a token may use: asymmetric only. `none` and the HMAC family (HS256…) are
 * never accepted, so a token "signed" with a public key as an HMAC secret (key confusion) fails.
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** One of {@link ASYMMETRIC_ALGORITHMS}. */
export type TokenAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** Where the verification keys come from. */
export type KeySource =
  /** A JWKS held in memory (the demo's generated key, tests). */
  | { readonly jwks: JSONWebKeySet }
  /** A JWKS file read once at start. */
  | { readonly jwksFile: string }
  /**
   * The identity provider's JWKS URL, fetched on first use and cached (`cacheMaxAgeMs`, default
   * 10 minutes); an unknown `kid` refetches at most once per 30 s (jose's cooldown).
   */
  | { readonly jwksUrl: string | URL; readonly cacheMaxAgeMs?: number; readonly timeoutMs?: number };

/** Options of {@link createTokenVerifier}. */
export interface AuthOptions {
  /** The `iss` every token must carry (exact match). */
  readonly issuer: string;
  /** The `aud` every token must carry (this service's identifier). */
  readonly audience: string;
  readonly keys: KeySource;
  /** The algorithms accepted; default `['RS256', 'ES256', 'EdDSA']`. Only asymmetric ones are allowed. */
  readonly algorithms?: readonly TokenAlgorithm[];
  /** Leeway for `exp`/`nbf` between clocks, in seconds; default 30, at most 300. */
  readonly clockToleranceSeconds?: number;
  /** Longest `Authorization` header read (bytes); longer ones are refused unparsed. Default 4096. */
  readonly maxTokenBytes?: number;
  /** Claim naming the caller's tenant; default `tenant`. A token without it is refused. */
  readonly tenantClaim?: string;
  /** Claim holding role names (array); default `roles`. */
  readonly rolesClaim?: string;
  /** The scopes each role grants, added to the token's `scope`/`scp`. Default: none. */
  readonly roleScopes?: Readonly<Record<string, readonly string[]>>;
}

/** The authenticated caller, as carried into every command and query and stored with every event. */
export interface Principal {
  /** The token's `sub`. */
  readonly subject: string;
  readonly tenant: string;
  /** Granted scopes, sorted: the token's `scope` (space separated) or `scp`, plus those of its roles. */
  readonly scopes: readonly string[];
}

/** Checks a bearer token and names its caller. */
export interface TokenVerifier {
  /**
   * The caller of a valid `Authorization: Bearer …` header; throws {@link AuthenticationError}
   * otherwise, or {@link KeySetUnavailableError} when a remote key set cannot be read.
   */
  verify(authorization: string | undefined): Promise<Principal>;
}

/**
 * A refused credential (401). `code` is `AUTHENTICATION_REQUIRED` (no bearer token) or
 * `INVALID_TOKEN` (anything wrong with it); `reason` says what, for the service log only.
 */
export class AuthenticationError extends KernelError {
  /** The RFC 6750 challenge the error handler sends as `WWW-Authenticate`. */
  readonly httpHeaders: Readonly<Record<string, string>>;

  constructor(
    code: 'AUTHENTICATION_REQUIRED' | 'INVALID_TOKEN',
    readonly reason: string,
  ) {
    super(
      code,
      code === 'AUTHENTICATION_REQUIRED'
        ? 'This route needs a bearer token: send Authorization: Bearer <token> from your identity provider.'
        : 'The bearer token was refused. Get a new token for this service from your identity provider.',
    );
    this.httpHeaders = { 'www-authenticate': code === 'INVALID_TOKEN' ? 'Bearer realm="hostfactory", error="invalid_token"' : 'Bearer realm="hostfactory"' };
  }
}

/**
 * The key set could not be read (the JWKS URL timed out, failed or answered garbage): 503
 * `AUTHENTICATION_UNAVAILABLE` with `Retry-After`. Nothing is admitted meanwhile (fail closed), but
 * the caller learns it is the service's fault, not its token's.
 */
export class KeySetUnavailableError extends KernelError {
  readonly httpHeaders: Readonly<Record<string, string>> = { 'retry-after': '30' };

  constructor(
    readonly reason: string,
    cause: unknown,
  ) {
    super('AUTHENTICATION_UNAVAILABLE', 'The service cannot check tokens right now (its key set is unreachable). Retry later; your token was not judged.', { cause });
  }
}

/** jose codes that mean the remote key set failed, not the token. */
const KEY_SET_FAULTS = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/**
 * A verifier for `options`, built with jose: signature against the key set, pinned algorithms,
 * `iss`, `aud`, `exp` (required), `nbf`, and `sub` plus the tenant claim present. Throws
 * `INVALID_CONFIGURATION` for a symmetric or unknown algorithm, or a key set that is not a public JWKS.
 */
export function createTokenVerifier(options: AuthOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? ['RS256', 'ES256', 'EdDSA'])];
  const unsafe = algorithms.filter((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg));
  if (algorithms.length === 0 || unsafe.length > 0) {
    throw configError(`auth.algorithms must list asymmetric algorithms only (${ASYMMETRIC_ALGORITHMS.join(', ')}); refused: ${unsafe.join(', ') || '(empty list)'}`);
  }
  const tolerance = options.clockToleranceSeconds ?? 30;
  if (!(tolerance >= 0 && tolerance <= 300)) throw configError('auth.clockToleranceSeconds must be 0-300');
  if (options.issuer === '' || options.audience === '') throw configError('auth.issuer and auth.audience must not be empty');
  const maxBytes = options.maxTokenBytes ?? 4096;
  const tenantClaim = options.tenantClaim ?? 'tenant';
  const rolesClaim = options.rolesClaim ?? 'roles';
  const keys = keySet(options.keys);
  const remote = 'jwksUrl' in options.keys;
  const verifyOptions = { issuer: options.issuer, audience: options.audience, algorithms, clockTolerance: tolerance, requiredClaims: ['exp', 'sub', tenantClaim] };

  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === '') throw new AuthenticationError('AUTHENTICATION_REQUIRED', 'no Authorization header');
      if (authorization.length > maxBytes) throw new AuthenticationError('INVALID_TOKEN', `Authorization header over ${maxBytes} bytes`);
      if (!/^Bearer /i.test(authorization)) throw new AuthenticationError('AUTHENTICATION_REQUIRED', 'Authorization is not a Bearer credential');
      const token = BEARER.exec(authorization)?.[1];
      if (token === undefined) throw new AuthenticationError('INVALID_TOKEN', 'not a compact JWS');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, verifyOptions));
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (remote && (typeof code !== 'string' || KEY_SET_FAULTS.has(code))) throw new KeySetUnavailableError(reasonOf(error), error);
        throw new AuthenticationError('INVALID_TOKEN', reasonOf(error));
      }
      return principalFrom(payload, tenantClaim, rolesClaim, options.roleScopes ?? {});
    },
  };
}

function principalFrom(payload: JWTPayload, tenantClaim: string, rolesClaim: string, roleScopes: Readonly<Record<string, readonly string[]>>): Principal {
  const subject = payload.sub;
  const tenant = payload[tenantClaim];
  if (typeof subject !== 'string' || subject === '' || typeof tenant !== 'string' || tenant === '') {
    throw new AuthenticationError('INVALID_TOKEN', `sub or ${tenantClaim} is not a non-empty string`);
  }
  const scopes = new Set<string>();
  const scope = payload.scope ?? payload.scp;
  for (const name of typeof scope === 'string' ? scope.split(' ') : Array.isArray(scope) ? scope : []) if (typeof name === 'string' && name !== '') scopes.add(name);
  const roles = payload[rolesClaim];
  for (const role of Array.isArray(roles) ? roles : []) {
    if (typeof role === 'string' && Object.hasOwn(roleScopes, role)) for (const granted of roleScopes[role]!) scopes.add(granted);
  }
  return { subject, tenant, scopes: [...scopes].sort() };
}

function keySet(source: KeySource): JWTVerifyGetKey {
  if ('jwksUrl' in source) {
    const url = new URL(source.jwksUrl);
    if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw configError('auth.keys.jwksUrl must be https (plain http only on loopback)');
    return createRemoteJWKSet(url, { cacheMaxAge: source.cacheMaxAgeMs ?? 600_000, timeoutDuration: source.timeoutMs ?? 5_000 });
  }
  const jwks = 'jwks' in source ? source.jwks : readJwksFile(source.jwksFile);
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) throw configError('the key set must be a JWKS: { "keys": [ ...public JWKs ] } with at least one key');
  for (const key of jwks.keys) {
    if (key.kty === 'oct') throw configError(`key ${key.kid ?? '(no kid)'} is symmetric (kty "oct"); a token service verifies with public keys only`);
    if ('d' in key) throw configError(`key ${key.kid ?? '(no kid)'} holds private key material ("d"); publish only the public key`);
  }
  return createLocalJWKSet(jwks);
}

function readJwksFile(file: string): JSONWebKeySet {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
  } catch (error) {
    throw configError(`cannot read the JWKS file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The jose error code (`ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`…) and claim, for the log. */
function reasonOf(error: unknown): string {
  const { code, claim } = (error ?? {}) as { code?: unknown; claim?: unknown };
  if (typeof code !== 'string') return error instanceof Error ? `${error.name}: ${error.message}` : 'unverifiable token';
  return typeof claim === 'string' ? `${code} (${claim})` : code;
}

function configError(message: string): KernelError {
  return new KernelError('INVALID_CONFIGURATION', message);
}
