/**
 * How the example Symphony provider builds its host factory for one call. Uses only the library's
 * public API; swap `createSimulatedCloud` for a real cloud adapter (see README).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFactory, type HostFactory, type ReadModelStore } from '../../src/index';
import { parseTemplatesFile, type HostFactoryContext } from '../../src/hostfactory/index';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import { openCloud } from './cloud';

const META = 'provider_meta';

/** Builds the host factory for one call: SQLite state under the work directory, the simulated cloud, the templates file. */
export async function openHostFactory({ env, logger }: HostFactoryContext): Promise<HostFactory> {
  const workdir = required(env, 'HF_PROVIDER_WORKDIR');
  const confdir = required(env, 'HF_PROVIDER_CONFDIR');
  const name = env.HF_PROVIDER_NAME || 'sim';
  mkdirSync(workdir, { recursive: true });
  const filename = join(workdir, 'hostfactory.db');
  const storage = createSqliteStorage({ filename });
  const cloud = await openCloud(name, env, confdir, filename);
  const providerTimeoutMs = Number(env.SIM_PROVIDER_TIMEOUT_MS ?? 30_000);
  const hostFactory = createHostFactory({ storage, provider: cloud, logger, limits: { providerTimeoutMs } });
  const dispose = hostFactory.dispose;
  const closing: HostFactory = {
    ...hostFactory,
    dispose() {
      dispose();
      cloud.close();
      storage.close();
    },
  };
  try {
    await importTemplatesIfChanged(closing, storage.readModels, join(confdir, `${name}prov_templates.json`));
  } catch (error) {
    closing.dispose();
    throw error;
  }
  return closing;
}

/**
 * Imports the templates file when its content changed since the last import (a hash kept in a
 * read-model document), so a call pays only for reading and hashing the file.
 */
async function importTemplatesIfChanged(hostFactory: HostFactory, store: ReadModelStore, path: string): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex');
  const seen = await store.get<{ id: string; hash: string }>(META, 'templates-file');
  if (seen?.hash === hash) return;
  const command = parseTemplatesFile(JSON.parse(text) as unknown, { deactivateMissing: true });
  await hostFactory.commands.execute(command);
  await store.put(META, { id: 'templates-file', hash, path });
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: Symphony sets it for provider scripts; set it yourself to run one by hand.`);
  return value;
}
