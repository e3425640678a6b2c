/**
 * How the example Symphony provider builds its host factory for one call. Uses only the library's
 * public API; the cloud adapter is chosen in `cloud.ts` by the provider's name (see README).
 */
import { join } from 'node:path';
import { createHostFactory, randomIds, systemClock, type Clock, type HostFactory } from 'hostfactory-kernel';
import { openStateDirectory, resolveProviderEnvironment, type HostFactoryContext } from 'hostfactory-kernel/hostfactory';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import { openCloud } from './cloud';
import { prepareDatabaseFiles } from './database-files';
import { sqliteAddonPath } from './provider-config';
import { importTemplatesIfChanged } from './templates-import';

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
export async function openHostFactory({ env, logger, operation, provider = resolveProviderEnvironment(env), budget, recorder }: HostFactoryContext): Promise<HostFactory> {
  // The only directory this provider writes: its own, never the product's shared roots.
  const workdir = openStateDirectory(provider);
  const filename = join(workdir, 'hostfactory.db');
  // better-sqlite3's JavaScript is in the bundle; its addon comes from node_modules (CommonJS: the bundle's require).
  const nativeBinding = sqliteAddonPath(require.resolve.paths('better-sqlite3'));
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
    }, storage.readModels);
  } catch (error) {
    storage.close();
    throw error;
  }
  const providerTimeoutMs = env.SIM_PROVIDER_TIMEOUT_MS === undefined ? budget.providerTimeoutMs : Number(env.SIM_PROVIDER_TIMEOUT_MS);
  // Recording (HF_PROVIDER_RECORD=1): the same ports, each call kept with the call's line.
  const ports = recorder === undefined ? { provider: cloud, clock } : { provider: recorder.provider(cloud), clock: recorder.clock(clock), ids: recorder.ids(randomIds) };
  const hostFactory = createHostFactory({ storage, ...ports, ...(cloud.images === undefined ? {} : { images: cloud.images }), logger, limits: { providerTimeoutMs } });
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
    const document = await importTemplatesIfChanged(closing, storage.readModels, provider, cloud);
    // A replay imports the same (effective) document before this call (docs/replay.md).
    recorder?.note({ setup: { templates: document } });
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
