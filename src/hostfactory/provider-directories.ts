import { accessSync, constants, lstatSync, mkdirSync } from 'node:fs';
import { DEFAULT_HOST_FACTORY_LIMITS } from '../application/tokens';
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
export const DEFAULT_PROVIDER_TIME_BUDGET: ProviderTimeBudget = Object.freeze({ providerTimeoutMs: DEFAULT_HOST_FACTORY_LIMITS.providerTimeoutMs, reconcileBudgetMs: 10_000 });

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
