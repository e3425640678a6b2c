/**
 * How the example Symphony provider builds its host factory for one call. Uses only the library's
 * public API; the cloud adapter is chosen in `cloud.ts` by the provider's name (see README).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createHostFactory, systemClock, type Clock, type HostFactory, type ReadModelStore } from 'hostfactory-kernel';
import { openStateDirectory, parseTemplatesFile, resolveProviderEnvironment, type HostFactoryContext } from 'hostfactory-kernel/hostfactory';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import { openCloud } from './cloud';
import { prepareDatabaseFiles } from './database-files';
import { readTemplatesFile, sqliteAddonPath } from './provider-config';

const META = 'provider_meta';

/** The operations that read templates; the others work from storage alone, whatever state the templates file is in. */
const NEEDS_TEMPLATES: ReadonlySet<string> = new Set(['getAvailableTemplates', 'requestMachines']);

/**
 * Builds the host factory for one call: SQLite state in the provider's own state directory
 * (`openStateDirectory`: `HF_PROVIDER_WORKDIR`, `$HF_WORKDIR/providers/<name>/` or LSF's
 * `$PRO_DATA_DIR/<name>/`), the simulated cloud,
 * and, for the two operations that read templates, the templates file (imported when it changed;
 * missing or broken, it fails them with a message that says what to fix). The other operations
 * neither read nor import it: they answer from storage, and start faster.
 */
export async function openHostFactory({ env, logger, operation, provider = resolveProviderEnvironment(env), budget }: HostFactoryContext): Promise<HostFactory> {
  // The only directory this provider writes: its own, never the product's shared roots.
  const workdir = openStateDirectory(provider);
  const filename = join(workdir, 'hostfactory.db');
  // better-sqlite3's JavaScript is in the bundle; its addon comes from node_modules (CommonJS: the bundle's require).
  const nativeBinding = sqliteAddonPath(require.resolve);
  prepareDatabaseFiles(filename);
  const storage = createSqliteStorage({ filename, nativeBinding });
  const clock = simulatedClock(env);
  // The cloud adapter, chosen by HF_PROVIDER_NAME (cloud.ts): the simulated cloud, or EC2 for `aws`.
  let cloud;
  try {
    cloud = await openCloud(provider.name, env, provider.confDir, filename, {
      now: () => clock.now().getTime(),
      answerDelayMs: Number(env.SIM_PROVISION_ANSWER_MS ?? 0) || 0,
      nativeBinding,
    });
  } catch (error) {
    storage.close();
    throw error;
  }
  const providerTimeoutMs = env.SIM_PROVIDER_TIMEOUT_MS === undefined ? budget.providerTimeoutMs : Number(env.SIM_PROVIDER_TIMEOUT_MS);
  const hostFactory = createHostFactory({ storage, provider: cloud, clock, logger, limits: { providerTimeoutMs } });
  const dispose = hostFactory.dispose;
  const closing: HostFactory = {
    ...hostFactory,
    dispose() {
      dispose();
      cloud.close();
      storage.close();
    },
  };
  if (!NEEDS_TEMPLATES.has(operation)) return closing;
  try {
    await importTemplatesIfChanged(closing, storage.readModels, provider.templatesFile, provider.describe.templatesFile);
  } catch (error) {
    closing.dispose();
    throw error;
  }
  return closing;
}

/**
 * The wall clock, moved `SIM_CLOCK_OFFSET_SECONDS` ahead (a test hook: deadlines and boot times of
 * the simulated cloud are reached without waiting). Unset or 0 in real use.
 */
function simulatedClock(env: Readonly<Record<string, string | undefined>>): Clock {
  const offsetMs = Number(env.SIM_CLOCK_OFFSET_SECONDS ?? 0) * 1000;
  if (!Number.isFinite(offsetMs) || offsetMs === 0) return systemClock;
  return { now: () => new Date(Date.now() + offsetMs) };
}

/**
 * Imports the templates file when its content changed since the last import (a hash kept in a
 * read-model document), so a call pays only for reading and hashing the file.
 */
async function importTemplatesIfChanged(hostFactory: HostFactory, store: ReadModelStore, path: string, described: string): Promise<void> {
  const { text, document } = readTemplatesFile(path, described);
  const hash = createHash('sha256').update(text).digest('hex');
  const seen = await store.get<{ id: string; hash: string }>(META, 'templates-file');
  if (seen?.hash === hash) return;
  const command = parseTemplatesFile(document, { deactivateMissing: true });
  await hostFactory.commands.execute(command);
  await store.put(META, { id: 'templates-file', hash });
}
