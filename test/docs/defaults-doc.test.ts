import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOST_FACTORY_LIMITS } from '../../src/application/tokens';
import { DEFAULT_RECONCILER_EVERY_MS } from '../../src/application/reconcile/reconciler';
import { createHostFactory, DEFAULT_RECONCILE_LIMIT, Reconcile, type HostFactory, type Middleware } from '../../src/index';
import { createHostFactoryApi, DEFAULT_PROVIDER_TIME_BUDGET } from '../../src/hostfactory/index';
import { createInMemoryStorage, FakeProvider } from '../../src/testing/index';
import { ROOT } from '../package/helpers';

/*
 * Each default of Reconcile and of the host factory's limits has one source in the code; every
 * caller uses it, and docs/use-cases.md ("Defaults") states each once, equal to the code.
 */
const SOURCES: Record<string, number> = {
  DEFAULT_RECONCILE_LIMIT,
  'DEFAULT_PROVIDER_TIME_BUDGET.reconcileBudgetMs': DEFAULT_PROVIDER_TIME_BUDGET.reconcileBudgetMs,
  DEFAULT_RECONCILER_EVERY_MS,
  ...Object.fromEntries(Object.entries(DEFAULT_HOST_FACTORY_LIMITS).map(([field, value]) => [`DEFAULT_HOST_FACTORY_LIMITS.${field}`, value])),
};

/** The rows of the "Defaults" table: the source named first in the third column, and the first number of the second. */
function documentedDefaults(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs', 'use-cases.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Defaults'), doc.indexOf('\n## ', doc.indexOf('### Defaults')));
  const rows = new Map<string, number>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Setting') && !l.startsWith('| -'))) {
    const [, value, source] = line.split(' | ').map((cell) => cell.trim());
    const name = /`([^`]+)`/.exec(source ?? '')?.[1];
    const figure = /^\d+/.exec(value ?? '')?.[0];
    if (name !== undefined && figure !== undefined) rows.set(name, Number(figure));
  }
  return rows;
}

describe('the defaults of Reconcile and of the limits', () => {
  let hf: HostFactory | undefined;
  afterEach(() => hf?.dispose());

  /** A host factory recording every Reconcile it runs. */
  function recording(): Reconcile[] {
    const seen: Reconcile[] = [];
    const record: Middleware = (context, next) => {
      if (context.message instanceof Reconcile) seen.push(context.message);
      return next();
    };
    hf = createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider(), middleware: [record] });
    return seen;
  }

  it('are stated once in docs/use-cases.md, equal to their source in the code', () => {
    const documented = documentedDefaults();
    expect(documented.size).toBe(Object.keys(SOURCES).length);
    expect(Object.fromEntries(documented)).toEqual(SOURCES);
  });

  it('getReturnRequests runs Reconcile with the command’s default limit and the Symphony layer’s budget', async () => {
    const seen = recording();
    const answer = await createHostFactoryApi(hf!).getReturnRequests({});
    expect(answer.ok).toBe(true);
    expect(seen.map((c) => ({ limit: c.limit, budgetMs: c.budgetMs }))).toEqual([{ limit: undefined, budgetMs: DEFAULT_PROVIDER_TIME_BUDGET.reconcileBudgetMs }]);
  });

  it('the reconciler adds no default of its own to the command’s', async () => {
    const seen = recording();
    await hf!.reconciler.runOnce();
    expect(seen.map((c) => [c.limit, c.budgetMs, c.ackWindowMs])).toEqual([[undefined, undefined, undefined]]);
  });

  it('the Symphony time budget takes its provider timeout from the limits', () => {
    expect(DEFAULT_PROVIDER_TIME_BUDGET.providerTimeoutMs).toBe(DEFAULT_HOST_FACTORY_LIMITS.providerTimeoutMs);
  });
});
