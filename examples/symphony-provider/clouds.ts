/**
 * Several clouds behind one installation: when `<name>prov_clouds.json` sits beside the templates
 * file, the provider runs a composite of named simulated clouds (`hostfactory-kernel/providers`),
 * each with its own state file `cloud-<cloud name>.db` in the state directory. Assignments and
 * breakers are kept in the host factory's SQLite store, so every call (a new process) sees them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadModelStore } from 'hostfactory-kernel';
import { createCompositeProvider, readModelBreakerStore, readModelProviderAssignments, SELECTION_POLICIES, type SelectionPolicy } from 'hostfactory-kernel/providers';
import { ProviderConfigError, readJsonConfig } from './provider-config';
import { createSimulatedCloud, type SimulatedCloud } from './simulated-cloud';
import type { SelectedCloud } from './cloud';

/** What `<name>prov_clouds.json` says. */
export interface CloudsFile {
  readonly clouds: readonly { readonly name: string; readonly weight?: number }[];
  readonly policy?: SelectionPolicy;
  readonly breaker?: { readonly failureThreshold?: number; readonly resetAfterSeconds?: number };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The clouds file's path for provider `name` in `confDir`, or `undefined` when the installation runs one cloud. */
export function cloudsFilePath(confDir: string, name: string): string | undefined {
  const path = join(confDir, `${name}prov_clouds.json`);
  return existsSync(path) ? path : undefined;
}

/** Reads and checks the clouds file; CLOUDS_FILE_INVALID names every problem (never the file's text). */
export function readCloudsFile(path: string): CloudsFile {
  const value = readJsonConfig(path, 'the clouds file (<name>prov_clouds.json)', 'CLOUDS_FILE_INVALID') as Partial<CloudsFile> | null;
  const problems: string[] = [];
  const clouds = Array.isArray(value?.clouds) ? value.clouds : [];
  if (clouds.length === 0) problems.push('clouds must be a non-empty list of { "name": ... }');
  clouds.forEach((cloud, i) => {
    if (typeof cloud?.name !== 'string' || !NAME.test(cloud.name)) problems.push(`clouds[${i}].name must be 1-64 of A-Z a-z 0-9 _ . - starting with a letter or digit`);
    if (cloud?.weight !== undefined && !(Number.isInteger(cloud.weight) && cloud.weight > 0)) problems.push(`clouds[${i}].weight must be a whole number >= 1`);
  });
  if (value?.policy !== undefined && !SELECTION_POLICIES.includes(value.policy)) problems.push(`policy must be one of ${SELECTION_POLICIES.join(', ')}`);
  const reset = value?.breaker?.resetAfterSeconds;
  if (reset !== undefined && !(Number.isInteger(reset) && reset >= 0)) problems.push('breaker.resetAfterSeconds must be a whole number >= 0');
  if (problems.length > 0) throw new ProviderConfigError('CLOUDS_FILE_INVALID', `The clouds file (<name>prov_clouds.json) is invalid: ${problems.join('; ')}.`, { file: 'clouds', problems });
  return value as CloudsFile;
}

/** The composite over the simulated clouds the file names; refused provisions fail over (`SIM_REFUSE_CLOUDS=east,west` makes those refuse). */
export function openClouds(
  file: CloudsFile,
  env: Readonly<Record<string, string | undefined>>,
  workdir: string,
  store: ReadModelStore,
  simulator: { readonly now: () => number; readonly nativeBinding?: string },
): SelectedCloud {
  const refusing = new Set((env.SIM_REFUSE_CLOUDS ?? '').split(',').filter((n) => n !== ''));
  const opened: SimulatedCloud[] = [];
  try {
    for (const { name } of file.clouds) {
      opened.push(
        createSimulatedCloud({
          filename: join(workdir, `cloud-${name}.db`),
          hostDomain: `${name.toLowerCase()}.sim.internal`,
          ...simulator,
          ...(refusing.has(name) ? { refuseProvision: `InsufficientInstanceCapacity: cloud ${name} has no capacity (simulated)` } : {}),
        }),
      );
    }
    const composite = createCompositeProvider({
      providers: file.clouds.map((cloud, i) => ({ name: cloud.name, provider: opened[i]!, ...(cloud.weight === undefined ? {} : { weight: cloud.weight }) })),
      ...(file.policy === undefined ? {} : { policy: file.policy }),
      breaker: { failureThreshold: file.breaker?.failureThreshold ?? 3, resetAfterMs: (file.breaker?.resetAfterSeconds ?? 60) * 1000 },
      clock: { now: () => new Date(simulator.now()) },
      assignments: readModelProviderAssignments(store),
      breakerStore: readModelBreakerStore(store),
    });
    // Several simulated clouds: still the simulator's provider type (templates file, defaults level).
    return Object.assign(composite, { type: 'sim', close: () => opened.forEach((cloud) => cloud.close()) });
  } catch (error) {
    opened.forEach((cloud) => cloud.close());
    throw error;
  }
}
