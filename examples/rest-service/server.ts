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
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from 'hostfactory-kernel';
import { createInMemoryStorage } from 'hostfactory-kernel/testing';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import { SCOPES } from './access';
import { authFromEnv, demoAuth, tlsFromEnv } from './server-config';
import { startRestService } from './service';
import { startTelemetry } from './telemetry';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new Error('PORT must be a whole number from 0 to 65535: correct the variable (its value is not shown)');
  return port;
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
  const demo = configured === undefined ? await demoAuth(tmpdir()) : undefined;
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
