/**
 * `npm run example:rest [-- --memory]`: the REST example on 127.0.0.1:$PORT (default 8080), on the
 * SQLite adapter or, with `--memory`, in memory. The cloud is a FakeProvider: a simulation in this
 * process, no real machine is ever started.
 *
 * The simulated cloud forgets everything on exit and numbers machines from i-fake0001 again, so the
 * default database (in the OS temp directory) is recreated at each start to match it. Set
 * SQLITE_FILE to keep a database of your own; machines recorded by an earlier run then no longer
 * exist in the (new) simulated cloud.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stderrLogger, type Storage } from '../../src/index';
import { createInMemoryStorage } from '../../src/testing/index';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import { startRestService } from './service';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new Error(`PORT must be an integer 0-65535, got "${value}"`);
  return port;
}

async function main(): Promise<void> {
  const memory = process.argv.slice(2).includes('--memory');
  const given = process.env.SQLITE_FILE;
  const filename = given === undefined || given === '' ? join(tmpdir(), 'hostfactory-rest-example.sqlite') : given;
  if (!memory && filename !== given) for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
  const sqlite = memory ? undefined : createSqliteStorage({ filename });
  const storage: Storage = sqlite ?? createInMemoryStorage();
  const logger = stderrLogger('info');
  const service = await startRestService({ storage, port: portFromEnv(process.env.PORT), logger });
  const failed = service.imported.filter((t) => t.action === 'failed');
  console.log(`hostfactory REST example listening on ${service.url}/api/v1 (OpenAPI: ${service.url}/api/v1/openapi.json)`);
  const where = memory ? 'in memory (lost on exit)' : `SQLite ${filename}${filename === given ? '' : ' (recreated at each start)'}`;
  console.log(`storage: ${where}; cloud: FakeProvider (simulated in this process, no real machines)`);
  console.log(`sample templates: ${service.imported.map((t) => `${t.templateId} ${t.action}`).join(', ')}`);
  if (failed.length > 0) console.error(`sample templates that failed to import: ${JSON.stringify(failed)}`);

  const stop = (signal: string) => {
    console.log(`${signal}: shutting down`);
    service
      .close()
      .then(() => sqlite?.close())
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
