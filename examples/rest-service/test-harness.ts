/*
 * Test support of the REST example (not part of the service): a token issuer with a key made for the
 * test run, the app on a loopback port over a test host factory, and a fetch helper that sends a
 * bearer token.
 */
import type { FastifyInstance } from 'fastify';
import type { LogFields, Logger } from 'hostfactory-kernel';
import { createTestHostFactory, type TestHostFactory, type TestHostFactoryOptions } from 'hostfactory-kernel/testing';
import { SCOPES } from './access';
import { buildApp, type AppOptions } from './app';
import type { AuthOptions } from './auth';
import { createTokenIssuer, type TokenClaims, type TokenIssuer } from './token-issuer';
import { requestOwnersProjection } from './tenancy';

/** The issuer and audience the test tokens name. */
export const TEST_ISSUER = 'https://idp.test.invalid/';
export const TEST_AUDIENCE = 'hostfactory-rest-test';

let issuer: Promise<TokenIssuer> | undefined;

/** One issuer (one ES256 key pair) per test file. */
export function testIssuer(): Promise<TokenIssuer> {
  return (issuer ??= createTokenIssuer({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE }));
}

/** Auth options trusting {@link testIssuer}'s key. */
export async function testAuth(overrides: Partial<AuthOptions> = {}): Promise<AuthOptions> {
  const { jwks } = await testIssuer();
  return { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keys: { jwks }, ...overrides };
}

/** Every scope the service checks: what the existing lifecycle tests call with. */
export const ALL_SCOPES = Object.values(SCOPES);

/** A token of the test issuer; by default subject `admin` of tenant `ops` with every scope. */
export async function token(claims: Partial<TokenClaims> = {}): Promise<string> {
  return (await testIssuer()).mint({ subject: 'admin', tenant: 'ops', scopes: ALL_SCOPES, ...claims });
}

/** Log lines written through the app's logger. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: LogFields }[] = [];
  debug = (message: string, fields?: LogFields) => void this.lines.push({ level: 'debug', message, fields });
  info = (message: string, fields?: LogFields) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: LogFields) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: LogFields) => void this.lines.push({ level: 'error', message, fields });
}

/** A served test app. */
export interface Served {
  readonly hostFactory: TestHostFactory;
  readonly app: FastifyInstance;
  readonly base: string;
  readonly logger: RecordingLogger;
  close(): Promise<void>;
}

/** A test host factory (with the owners projection) behind the app on 127.0.0.1, trusting the test issuer. */
export async function serveTestApp(options: { hostFactory?: TestHostFactoryOptions; app?: Partial<AppOptions> } = {}): Promise<Served> {
  const hostFactory = createTestHostFactory({ ...options.hostFactory, projections: [requestOwnersProjection, ...(options.hostFactory?.projections ?? [])] });
  const logger = new RecordingLogger();
  const app = buildApp({ hostFactory, readModels: hostFactory.storage.readModels, auth: await testAuth(), logger, ...options.app });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    hostFactory,
    app,
    base,
    logger,
    async close() {
      await app.close();
      hostFactory.dispose();
    },
  };
}

/** A reply as the tests read it. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** Options of {@link callWith}. */
export interface CallOptions {
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** The bearer token; `null` sends no Authorization header. */
  token?: string | null;
}

/** One HTTP call to `base + path`, with `Authorization: Bearer <token>` unless `token` is null. */
export async function callWith(base: string, defaultToken: string | null, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const bearer = options.token === undefined ? defaultToken : options.token;
  if (bearer !== null && headers.authorization === undefined) headers.authorization = `Bearer ${bearer}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '');
  return { status: response.status, headers: response.headers, text, body: isJson && text !== '' ? JSON.parse(text) : undefined };
}
