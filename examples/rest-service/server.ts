/**
 * `npm run example:rest [-- --memory]`: the REST example on 127.0.0.1:$PORT (default 8080), on the
 * SQLite adapter or, with `--memory`, in memory. The cloud is a FakeProvider: a simulation in this
 * process, no real machine is ever started.
 *
 * The simulated cloud forgets everything on exit and numbers machines from i-fake0001 again, so the
 * default database (in the OS temp directory) is recreated at each start to match it. Set
 * SQLITE_FILE to keep a database of your own; machines recorded by an earlier run then no longer
 * exist in the (new) simulated cloud.
 *
 * Traces and metrics go to the console, or to an OpenTelemetry collector when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://127.0.0.1:4318); logs are pino JSON on stderr.
 *
 * Tokens: with AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_FILE or AUTH_JWKS_URL (optionally
 * AUTH_ALGORITHMS=RS256,ES256) the service trusts your identity provider. Without any AUTH_* variable
 * it runs in demo mode: it makes a signing key at start (never a stored secret), writes the private
 * half to a file only this user can read, and prints the command that mints a token with it.
 *
 * Mutual TLS: set TLS_KEY_FILE, TLS_CERT_FILE (the service's PEM key and certificate) and
 * TLS_CLIENT_CA_FILE (the CA that signs client certificates) to serve HTTPS and refuse clients without
 * a certificate of that CA; bearer tokens are still required.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../src/index';
import { createInMemoryStorage } from '../../src/testing/index';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import { SCOPES } from './access';
import type { MutualTlsOptions } from './app';
import { ASYMMETRIC_ALGORITHMS, type AuthOptions, type TokenAlgorithm } from './auth';
import { startRestService } from './service';
import { createTokenIssuer } from './token-issuer';
import { startTelemetry } from './telemetry';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new Error(`PORT must be an integer 0-65535, got "${value}"`);
  return port;
}

/** The identity provider the environment names, or undefined when no AUTH_* variable is set (demo mode). */
function authFromEnv(env: NodeJS.ProcessEnv): AuthOptions | undefined {
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_FILE: jwksFile, AUTH_JWKS_URL: jwksUrl, AUTH_ALGORITHMS: algs } = env;
  if ([issuer, audience, jwksFile, jwksUrl, algs].every((v) => v === undefined || v === '')) return undefined;
  if (!issuer || !audience || (!jwksFile && !jwksUrl) || (jwksFile && jwksUrl)) {
    throw new Error('Set AUTH_ISSUER, AUTH_AUDIENCE and one of AUTH_JWKS_FILE or AUTH_JWKS_URL (or no AUTH_* variable for the demo key)');
  }
  const algorithms = algs ? (algs.split(',').map((a) => a.trim()) as TokenAlgorithm[]) : undefined;
  for (const alg of algorithms ?? []) if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) throw new Error(`AUTH_ALGORITHMS: "${alg}" is not one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  return { issuer, audience, keys: jwksFile ? { jwksFile } : { jwksUrl: jwksUrl! }, ...(algorithms === undefined ? {} : { algorithms }) };
}

/** Mutual TLS from TLS_KEY_FILE, TLS_CERT_FILE and TLS_CLIENT_CA_FILE (all three or none). */
function tlsFromEnv(env: NodeJS.ProcessEnv): MutualTlsOptions | undefined {
  const files = [env.TLS_KEY_FILE, env.TLS_CERT_FILE, env.TLS_CLIENT_CA_FILE];
  if (files.every((f) => f === undefined || f === '')) return undefined;
  if (files.some((f) => f === undefined || f === '')) throw new Error('Set all of TLS_KEY_FILE, TLS_CERT_FILE and TLS_CLIENT_CA_FILE for mutual TLS, or none of them');
  const [key, cert, clientCa] = files.map((f) => readFileSync(f!)) as [Buffer, Buffer, Buffer];
  return { key, cert, clientCa };
}

/** Demo mode: a key made now; its private half in a new 0700 directory, readable by this user only. */
async function demoAuth(): Promise<{ auth: AuthOptions; keyFile: string; dir: string }> {
  const issuer = await createTokenIssuer({ issuer: 'urn:hostfactory-rest-example:demo-issuer', audience: 'hostfactory-rest-example' });
  const dir = mkdtempSync(join(tmpdir(), 'hostfactory-rest-demo-'));
  const keyFile = join(dir, 'signing-key.json');
  writeFileSync(keyFile, JSON.stringify({ issuer: issuer.issuer, audience: issuer.audience, privateJwk: issuer.privateJwk }), { mode: 0o600, flag: 'wx' });
  return { auth: { issuer: issuer.issuer, audience: issuer.audience, keys: { jwks: issuer.jwks } }, keyFile, dir };
}

async function main(): Promise<void> {
  const memory = process.argv.slice(2).includes('--memory');
  const given = process.env.SQLITE_FILE;
  const filename = given === undefined || given === '' ? join(tmpdir(), 'hostfactory-rest-example.sqlite') : given;
  if (!memory && filename !== given) for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
  const sqlite = memory ? undefined : createSqliteStorage({ filename });
  const storage: Storage = sqlite ?? createInMemoryStorage();
  // One pino logger for Fastify's request log and the library's log lines (JSON on standard error).
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const configured = authFromEnv(process.env);
  const demo = configured === undefined ? await demoAuth() : undefined;
  const auth = configured ?? demo!.auth;
  const telemetry = startTelemetry();
  const tls = tlsFromEnv(process.env);
  const service = await startRestService({ storage, port: portFromEnv(process.env.PORT), log, instrumentation: telemetry.instrumentation, auth, ...(tls === undefined ? {} : { tls }) });
  const failed = service.imported.filter((t) => t.action === 'failed');
  console.log(`hostfactory REST example listening on ${service.url}/api/v1 (OpenAPI: ${service.url}/api/v1/openapi.json)`);
  const where = memory ? 'in memory (lost on exit)' : `SQLite ${filename}${filename === given ? '' : ' (recreated at each start)'}`;
  console.log(`storage: ${where}; cloud: FakeProvider (simulated in this process, no real machines)`);
  console.log(`traces and metrics: ${telemetry.destination} (set OTEL_EXPORTER_OTLP_ENDPOINT to send them to a collector)`);
  console.log(`sample templates: ${service.imported.map((t) => `${t.templateId} ${t.action}`).join(', ')}`);
  if (failed.length > 0) console.error(`sample templates that failed to import: ${JSON.stringify(failed)}`);
  if (demo === undefined) console.log(`tokens: issuer ${auth.issuer}, audience ${auth.audience}`);
  else {
    console.log(`tokens: DEMO key made at start (private half in ${demo.keyFile}, deleted on exit). Mint a token valid for an hour with:`);
    console.log(`  npm run example:rest:token -- --key ${demo.keyFile} --tenant team-a --subject alice --scope "${SCOPES.read} ${SCOPES.request} ${SCOPES.return}"`);
    console.log(`  (add ${SCOPES.admin} to manage templates and see every tenant); then: curl -H "Authorization: Bearer $TOKEN" ${service.url}/api/v1/templates`);
  }

  const stop = (signal: string) => {
    console.log(`${signal}: shutting down`);
    service
      .close()
      .then(() => telemetry.shutdown())
      .then(() => sqlite?.close())
      .then(() => demo !== undefined && rmSync(demo.dir, { recursive: true, force: true }))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
