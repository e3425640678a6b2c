/**
 * `scripts/reconcile.sh`: one bounded `Reconcile` run outside Symphony's calls. getReturnRequests
 * already runs one, but Symphony calls getReturnRequests only when it is configured to (the script
 * is optional in IBM's specification); run this from cron or a systemd timer then, e.g. every minute.
 * Prints the run's counts as one JSON document; exit 0, or 1 with `{ "message" }`.
 */
import { Reconcile, isKernelError, type HostFactory } from '../../src/index';
import { formatErrorOutput, HOSTFACTORY_EXIT_CODES, jsonLinesLogger, providerTimeBudget, resolveProviderEnvironment, type TextSink } from '../../src/hostfactory/index';
import { openHostFactory } from './provider';

/** Runs one Reconcile of at most `RECONCILE_LIMIT` (default 50) requests; never throws. */
export async function runReconcile(env: Readonly<Record<string, string | undefined>>, stdout: TextSink, stderr: TextSink): Promise<number> {
  const logger = jsonLinesLogger((line) => void stderr.write(line));
  let hostFactory: HostFactory | undefined;
  let document: unknown;
  let exitCode: number = HOSTFACTORY_EXIT_CODES.ok;
  try {
    // Opened as getReturnRequests is: the templates file is not needed to reconcile.
    const provider = resolveProviderEnvironment(env);
    hostFactory = await openHostFactory({ operation: 'getReturnRequests', logger, env, provider, budget: providerTimeBudget(provider.actionTimeoutMs) });
    const limit = env.RECONCILE_LIMIT === undefined ? undefined : Number(env.RECONCILE_LIMIT);
    document = await hostFactory.commands.execute(Reconcile.from(limit === undefined ? {} : { limit }));
  } catch (error) {
    if (!isKernelError(error)) logger.error('reconcile failed unexpectedly', { error: error instanceof Error ? error.message : String(error) });
    document = formatErrorOutput(error);
    exitCode = HOSTFACTORY_EXIT_CODES.failed;
  } finally {
    hostFactory?.dispose();
  }
  stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return exitCode;
}
