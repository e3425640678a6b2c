import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProduct, openStateDirectory, providerTimeBudget, resolveProviderEnvironment, runHostFactoryOperation, type HostFactoryContext } from '../../src/hostfactory';
import { isKernelError } from '../../src/index';

const SYMPHONY = { HF_PROVIDER_NAME: 'grid1', HF_CONFDIR: '/hf/conf', HF_WORKDIR: '/hf/work', HF_LOGDIR: '/hf/log' };
const LSF = { PROVIDER_NAME: 'aws', PRO_CONF_DIR: '/lsf/conf/resource_connector/aws', PRO_DATA_DIR: '/lsf/work/c1/resource_connector', PRO_LSF_LOGDIR: '/lsf/log', PRO_LSF_TOP: '/lsf' };

function codeOf(run: () => unknown): { code: string; variable: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (isKernelError(error)) return { code: error.code, variable: error.details.variable, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
}

describe('resolveProviderEnvironment', () => {
  it('derives the Symphony directories from the HF_* roots per IBM\'s specification', () => {
    const env = resolveProviderEnvironment(SYMPHONY);
    expect(env).toMatchObject({
      product: 'symphony',
      name: 'grid1',
      confDir: '/hf/conf/providers/grid1',
      templatesFile: '/hf/conf/providers/grid1/grid1prov_templates.json',
      stateDir: '/hf/work/providers/grid1',
      logDir: '/hf/log',
      logFileName: 'grid1-provider.log',
      logLevel: 'info',
    });
    expect(env.actionTimeoutMs).toBeUndefined();
    expect(env.describe.stateDir).toBe('$HF_WORKDIR/providers/${HF_PROVIDER_NAME}');
  });

  it('lets each explicit HF_PROVIDER_* directory win', () => {
    const env = resolveProviderEnvironment({ ...SYMPHONY, HF_PROVIDER_CONFDIR: '/c', HF_PROVIDER_WORKDIR: '/w', HF_PROVIDER_LOGDIR: '/l' });
    expect([env.confDir, env.stateDir, env.logDir]).toEqual(['/c', '/w', '/l']);
  });

  it('reads the LSF ebrokerd variables: templates in $PRO_CONF_DIR/conf, state in $PRO_DATA_DIR/<name>, logs named after the provider and host', () => {
    const env = resolveProviderEnvironment(LSF);
    expect(env).toMatchObject({
      product: 'lsf',
      name: 'aws',
      templatesFile: '/lsf/conf/resource_connector/aws/conf/awsprov_templates.json',
      stateDir: '/lsf/work/c1/resource_connector/aws',
      logDir: '/lsf/log',
    });
    expect(env.logFileName.startsWith('aws-provider.log.')).toBe(true);
    expect(env.logFileName).toContain(hostname().replace(/[^A-Za-z0-9_.-]/g, '').replace(/^\.+/, '') || 'localhost');
  });

  it('detects the product, and HOSTFACTORY_PRODUCT or the option overrides it', () => {
    expect(detectProduct(SYMPHONY)).toBe('symphony');
    expect(detectProduct(LSF)).toBe('lsf');
    expect(detectProduct({ PATH: '/bin' })).toBeUndefined();
    expect(resolveProviderEnvironment({ ...LSF, ...SYMPHONY, HOSTFACTORY_PRODUCT: 'lsf' }).product).toBe('lsf');
    expect(resolveProviderEnvironment({ ...LSF, ...SYMPHONY }, { product: 'lsf' }).product).toBe('lsf');
    expect(resolveProviderEnvironment({ ...LSF, ...SYMPHONY }).product).toBe('symphony');
  });

  it('refuses each missing or bad variable with a stable code naming it, never quoting its value', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{}, 'PROVIDER_ENVIRONMENT_MISSING', 'HF_PROVIDER_NAME'],
      [{ ...SYMPHONY, HF_PROVIDER_NAME: '' }, 'PROVIDER_ENVIRONMENT_MISSING', 'HF_PROVIDER_NAME'],
      [{ ...SYMPHONY, HF_WORKDIR: '' }, 'PROVIDER_ENVIRONMENT_MISSING', 'HF_PROVIDER_WORKDIR'],
      [{ ...SYMPHONY, HF_PROVIDER_NAME: 'a/../b-secret' }, 'PROVIDER_ENVIRONMENT_INVALID', 'HF_PROVIDER_NAME'],
      [{ ...SYMPHONY, HF_PROVIDER_NAME: '..' }, 'PROVIDER_ENVIRONMENT_INVALID', 'HF_PROVIDER_NAME'],
      [{ ...SYMPHONY, HF_LOGDIR: 'logs-secret' }, 'PROVIDER_ENVIRONMENT_INVALID', 'HF_LOGDIR'],
      [{ ...SYMPHONY, HF_LOGLEVEL: 'chatty-secret' }, 'PROVIDER_ENVIRONMENT_INVALID', 'HF_LOGLEVEL'],
      [{ ...SYMPHONY, HF_PROVIDER_ACTION_TIMEOUT: '0' }, 'PROVIDER_ENVIRONMENT_INVALID', 'HF_PROVIDER_ACTION_TIMEOUT'],
      [{ ...LSF, PROVIDER_NAME: '' }, 'PROVIDER_ENVIRONMENT_MISSING', 'PROVIDER_NAME'],
      [{ ...LSF, PRO_DATA_DIR: '' }, 'PROVIDER_ENVIRONMENT_MISSING', 'PRO_DATA_DIR'],
      [{ ...LSF, PRO_CONF_DIR: 'resource_connector/aws' }, 'PROVIDER_ENVIRONMENT_INVALID', 'PRO_CONF_DIR'],
      [{ ...LSF, HOSTFACTORY_PRODUCT: 'secret' }, 'PROVIDER_ENVIRONMENT_INVALID', 'HOSTFACTORY_PRODUCT'],
    ];
    for (const [env, code, variable] of cases) {
      const error = codeOf(() => resolveProviderEnvironment(env));
      expect(error, JSON.stringify(env)).toMatchObject({ code, variable });
      expect(error.message.startsWith(variable) || error.message.startsWith(`Neither ${variable}`), error.message).toBe(true);
      expect(error.message).not.toMatch(/secret/);
    }
  });

  it('maps Symphony\'s log levels and reads HF_PROVIDER_ACTION_TIMEOUT in seconds', () => {
    const level = (HF_LOGLEVEL: string) => resolveProviderEnvironment({ ...SYMPHONY, HF_LOGLEVEL }).logLevel;
    expect([level('LOG_DEBUG'), level('LOG_TRACE'), level('info'), level('LOG_WARNING'), level('log_error'), level('')]).toEqual(['debug', 'debug', 'info', 'warn', 'error', 'info']);
    expect(resolveProviderEnvironment({ ...SYMPHONY, HF_PROVIDER_ACTION_TIMEOUT: '60' }).actionTimeoutMs).toBe(60_000);
  });
});

describe('providerTimeBudget', () => {
  it('keeps the library defaults without an action timeout', () => {
    expect(providerTimeBudget(undefined)).toEqual({ providerTimeoutMs: 30_000, reconcileBudgetMs: 10_000 });
  });

  it('fits the provider call timeout and the reconcile budget inside the action timeout', () => {
    for (const seconds of [3, 10, 30, 60, 300, 3600]) {
      const actionMs = seconds * 1000;
      const { providerTimeoutMs, reconcileBudgetMs } = providerTimeBudget(actionMs);
      // A getReturnRequests: one reclaim call, a reconcile until its budget, the last call it started (describe + terminate).
      expect(providerTimeoutMs + reconcileBudgetMs + 2 * providerTimeoutMs, `${seconds}s`).toBeLessThan(actionMs);
      expect(providerTimeoutMs).toBeLessThanOrEqual(30_000);
      expect(reconcileBudgetMs).toBeLessThanOrEqual(10_000);
    }
    expect(providerTimeBudget(60_000)).toEqual({ providerTimeoutMs: 10_800, reconcileBudgetMs: 10_000 });
  });
});

describe('runHostFactoryOperation and HF_PROVIDER_ACTION_TIMEOUT', () => {
  it('hands the host a provider timeout fitted inside the action timeout, and the provider environment it read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-budget-'));
    try {
      let seen: HostFactoryContext | undefined;
      const exitCode = await runHostFactoryOperation('getAvailableTemplates', [], {
        createHostFactory: (context) => {
          seen = context;
          throw new Error('stop here');
        },
        stdout: { write: () => true },
        stderr: { write: () => true },
        env: { ...SYMPHONY, HF_LOGDIR: dir, HF_PROVIDER_ACTION_TIMEOUT: '10' },
      });
      expect(exitCode).toBe(1);
      expect(seen?.budget).toEqual({ providerTimeoutMs: 1600, reconcileBudgetMs: 1600 });
      expect(seen?.provider).toMatchObject({ product: 'symphony', name: 'grid1', actionTimeoutMs: 10_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('openStateDirectory', () => {
  it('creates the provider\'s own directory (0700) and refuses a symbolic link planted in its place, naming the variable only', () => {
    const root = mkdtempSync(join(tmpdir(), 'hf-state-'));
    try {
      const env = resolveProviderEnvironment({ PROVIDER_NAME: 'sim', PRO_CONF_DIR: join(root, 'conf'), PRO_DATA_DIR: join(root, 'data'), PRO_LSF_LOGDIR: join(root, 'log') });
      expect(openStateDirectory(env)).toBe(join(root, 'data', 'sim'));
      expect(statSync(join(root, 'data', 'sim')).mode & 0o777).toBe(0o700);
      const other = resolveProviderEnvironment({ PROVIDER_NAME: 'planted', PRO_CONF_DIR: join(root, 'conf'), PRO_DATA_DIR: join(root, 'data'), PRO_LSF_LOGDIR: join(root, 'log') });
      mkdirSync(join(root, 'elsewhere'));
      symlinkSync(join(root, 'elsewhere'), join(root, 'data', 'planted'));
      const error = codeOf(() => openStateDirectory(other));
      expect(error).toMatchObject({ code: 'PROVIDER_DIRECTORY_UNUSABLE', variable: '$PRO_DATA_DIR/${PROVIDER_NAME}' });
      expect(error.message).toMatch(/is a symbolic link, which is never followed/);
      expect(error.message).not.toContain(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
