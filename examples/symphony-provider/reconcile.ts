/**
 * `scripts/reconcile.sh`: one bounded `Reconcile` run outside Symphony's calls. getReturnRequests
 * already runs one, but Symphony calls getReturnRequests only when it is configured to (the script
 * is optional in IBM's specification); run this from cron or a systemd timer then, e.g. every minute.
 * Prints the run's counts as one JSON document; exit 0, or 1 with `{ "message" }`.
 */
import { Reconcile, ValidationError, type HostFactory } from 'hostfactory-kernel';
import { providerTimeBudget, resolveProviderEnvironment, type TextSink } from 'hostfactory-kernel/hostfactory';
import { openHostFactory } from './provider';
import { runScriptCommand } from './script-command';

/**
 * Runs one Reconcile of at most `RECONCILE_LIMIT` requests; never throws. Unset, empty or blank
 * (`RECONCILE_LIMIT=` in a crontab) means `Reconcile`'s default (`DEFAULT_RECONCILE_LIMIT`); anything but a whole number >= 1 fails the run
 * with a message naming the variable.
 */
export async function runReconcile(env: Readonly<Record<string, string | undefined>>, stdout: TextSink, stderr: TextSink): Promise<number> {
  let hostFactory: HostFactory | undefined;
  return runScriptCommand('reconcile', stdout, stderr, async (logger) => {
    const limit = reconcileLimit(env.RECONCILE_LIMIT);
    // Opened as getReturnRequests is: the templates file is not needed to reconcile.
    const provider = resolveProviderEnvironment(env);
    hostFactory = await openHostFactory({ operation: 'getReturnRequests', logger, env, provider, budget: providerTimeBudget(provider.actionTimeoutMs) });
    return { document: await hostFactory.commands.execute(Reconcile.from(limit === undefined ? {} : { limit })) };
  }, () => hostFactory?.dispose());
}

/** `RECONCILE_LIMIT` as a number, undefined when unset or blank; a {@link ValidationError} naming the variable otherwise. */
function reconcileLimit(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) {
    throw new ValidationError('environment', [
      {
        path: 'RECONCILE_LIMIT',
        constraint: 'isInt',
        message: 'must be a whole number >= 1 (the most requests one run looks at, e.g. 50); leave it unset or empty for the default 50',
      },
    ]);
  }
  return Number(text);
}
