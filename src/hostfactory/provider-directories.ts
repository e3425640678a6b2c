import { accessSync, constants, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HOST_FACTORY_LIMITS } from '../application/tokens';
import { RETURN_REQUESTS_RECONCILE } from '../application/requests/status-reports';
import { ProviderEnvironmentError, type ProviderEnvironment } from './provider-environment';

/**
 * Creates the provider's state directory when missing (mode 0700, parents as needed) and checks it:
 * a real directory, not a symbolic link (a local user may plant one in a shared `PRO_DATA_DIR`),
 * owned by this user and writable. Returns its path. Throws `PROVIDER_DIRECTORY_UNUSABLE` naming the
 * variable it comes from and the errno, never the path.
 */
export function openStateDirectory(environment: Pick<ProviderEnvironment, 'stateDir' | 'describe'>): string {
  const dir = environment.stateDir;
  const from = environment.describe.stateDir;
  const unusable = (why: string, errno?: string, cause?: unknown) =>
    new ProviderEnvironmentError(
      'PROVIDER_DIRECTORY_UNUSABLE',
      `The provider's state directory (${from}) ${why}: it must be a directory the provider's user owns, can create and write.`,
      { variable: from, ...(errno === undefined ? {} : { errno }), path: dir },
      cause,
    );
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw unusable(`cannot be created (${errno})`, errno, error);
  }
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) throw unusable('is a symbolic link, which is never followed');
  if (!stat.isDirectory()) throw unusable('is not a directory');
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw unusable('belongs to another user');
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw unusable(`cannot be written (${errno})`, errno, error);
  }
  return dir;
}

/** How long one script may spend calling the cloud: see {@link providerTimeBudget}. */
export interface ProviderTimeBudget {
  /** The host factory's `limits.providerTimeoutMs`. */
  readonly providerTimeoutMs: number;
  /** `budgetMs` of the Reconcile each getReturnRequests runs. */
  readonly reconcileBudgetMs: number;
}

/**
 * The defaults when the product sets no action timeout: the host factory's own provider call timeout
 * and a 10 s budget for the Reconcile each getReturnRequests runs (its one source; docs/use-cases.md, "Defaults").
 */
export const DEFAULT_PROVIDER_TIME_BUDGET: ProviderTimeBudget = Object.freeze({ providerTimeoutMs: DEFAULT_HOST_FACTORY_LIMITS.providerTimeoutMs, reconcileBudgetMs: RETURN_REQUESTS_RECONCILE.budgetMs });

/**
 * Fits the provider call timeout and the reconcile budget inside the product's action timeout
 * (`HF_PROVIDER_ACTION_TIMEOUT`, after which Symphony kills the script): a reserve of 10% (at least
 * 2 s) is kept for start-up, storage and the answer, and each of the two gets at most a fifth of the
 * rest, so a getReturnRequests (one reclaim call, a reconcile starting calls until its budget, each
 * call bounded) ends before the kill. Without an action timeout, `defaults`.
 */
export function providerTimeBudget(actionTimeoutMs: number | undefined, defaults: ProviderTimeBudget = DEFAULT_PROVIDER_TIME_BUDGET): ProviderTimeBudget {
  if (actionTimeoutMs === undefined) return defaults;
  const usable = Math.max(0, actionTimeoutMs - Math.max(2_000, actionTimeoutMs / 10));
  const share = Math.max(100, Math.floor(usable / 5));
  return Object.freeze({ providerTimeoutMs: Math.min(defaults.providerTimeoutMs, share), reconcileBudgetMs: Math.min(defaults.reconcileBudgetMs, share) });
}

/** Symphony's host factory configuration file in `$HF_CONFDIR`, where IBM documents `HF_PROVIDER_ACTION_TIMEOUT`. */
export const HOSTFACTORY_CONF_FILE = 'hostfactoryconf.json';

/**
 * Symphony's action timeout (ms) from `$HF_CONFDIR/hostfactoryconf.json`, for when the environment
 * does not carry `HF_PROVIDER_ACTION_TIMEOUT`: IBM documents it as a parameter of that file, in whole
 * seconds, and does not say that scripts receive it. An absent, unreadable, oversized or malformed
 * file, or a value that is not 1–86400 whole seconds, gives undefined (the defaults then apply, which
 * fit inside Symphony's usual 300 s); the file is Symphony's, so its faults are not the provider's.
 */
export function configuredActionTimeoutMs(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const confdir = env.HF_CONFDIR?.trim();
  if (confdir === undefined || !confdir.startsWith('/')) return undefined;
  const file = join(confdir, HOSTFACTORY_CONF_FILE);
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > 1_048_576) return undefined;
    const value: unknown = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null)?.HF_PROVIDER_ACTION_TIMEOUT;
    const seconds = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1 && seconds <= 86_400 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Where {@link locateTemplatesFile} found the templates file: its path, and how messages name it. */
export interface TemplatesFileLocation {
  readonly path: string;
  /** The file named by the variables it comes from (`$HF_PROVIDER_CONFDIR/templates.json`), never by value. */
  readonly described: string;
}

/**
 * Finds the provider's templates file in its configuration directory, first of
 * `<name>prov_templates.json`, `<providerType>prov_templates.json` (when the host gives a type),
 * `templates.json`: several instances of one provider type can share one file, and a file written
 * for IBM's plug-in (named after the type) is found. Any directory entry counts (reading it says
 * what is wrong). Throws `TEMPLATES_FILE_MISSING` listing every name looked for, by variable.
 */
export function locateTemplatesFile(environment: Pick<ProviderEnvironment, 'product' | 'name' | 'confDir' | 'describe'>, providerType?: string): TemplatesFileLocation {
  const nameVariable = environment.product === 'lsf' ? '${PROVIDER_NAME}' : '${HF_PROVIDER_NAME}';
  const candidates: [string, string][] = [[`${environment.name}prov_templates.json`, `${nameVariable}prov_templates.json`]];
  if (providerType !== undefined && providerType !== '' && providerType !== environment.name) candidates.push([`${providerType}prov_templates.json`, `${providerType}prov_templates.json`]);
  candidates.push(['templates.json', 'templates.json']);
  for (const [file, described] of candidates) {
    const path = join(environment.confDir, file);
    try {
      lstatSync(path);
      return { path, described: `${environment.describe.confDir}/${described}` };
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      // ENOENT/ENOTDIR: not there, try the next name; anything else is this file's problem, for its reader.
      if (errno !== 'ENOENT' && errno !== 'ENOTDIR') return { path, described: `${environment.describe.confDir}/${described}` };
    }
  }
  const looked = candidates.map(([, described]) => described).join(', then ');
  throw new ProviderEnvironmentError(
    'TEMPLATES_FILE_MISSING',
    `No templates file in the provider's configuration directory (${environment.describe.confDir}): looked for ${looked}. Create one of them (docs/templates.md, "Where the file is").`,
    { variable: environment.describe.confDir, lookedFor: candidates.map(([, described]) => described) },
  );
}
