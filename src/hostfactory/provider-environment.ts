import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { KernelError } from '../kernel/errors';
import type { LogLevel } from './file-logger';

/** The IBM product running the provider scripts: Symphony's host factory or LSF's resource connector (ebrokerd). */
export type HostFactoryProduct = 'symphony' | 'lsf';

/**
 * Where one provider instance keeps its files, read from the environment its product sets
 * ({@link resolveProviderEnvironment}). Every path is absolute.
 */
export interface ProviderEnvironment {
  readonly product: HostFactoryProduct;
  /** The provider instance's name (`HF_PROVIDER_NAME` or `PROVIDER_NAME`): letters, digits, `_`, `.`, `-`. */
  readonly name: string;
  /** The directory holding the templates file. */
  readonly confDir: string;
  /** `<confDir>/<name>prov_templates.json`. */
  readonly templatesFile: string;
  /** The only directory this provider writes state to; no other provider instance uses it. */
  readonly stateDir: string;
  /** The log directory (shared with the product and other providers). */
  readonly logDir: string;
  /** The log file's name inside `logDir`, named after the provider. */
  readonly logFileName: string;
  readonly logLevel: LogLevel;
  /** How long the product lets a script run (`HF_PROVIDER_ACTION_TIMEOUT`), when it says. */
  readonly actionTimeoutMs?: number;
  /** How messages name each directory: by the variables it comes from, never by their values. */
  readonly describe: { readonly confDir: string; readonly stateDir: string; readonly logDir: string; readonly templatesFile: string };
}

/** Options of {@link resolveProviderEnvironment}. */
export interface ProviderEnvironmentOptions {
  /** The product whose variables to read; default: detected from the environment ({@link detectProduct}). */
  readonly product?: HostFactoryProduct;
}

/** Stable codes of {@link ProviderEnvironmentError}. */
export type ProviderEnvironmentErrorCode = 'PROVIDER_ENVIRONMENT_MISSING' | 'PROVIDER_ENVIRONMENT_INVALID' | 'PROVIDER_DIRECTORY_UNUSABLE' | 'TEMPLATES_FILE_MISSING';

/**
 * A provider environment that cannot be used: a variable unset or empty (`PROVIDER_ENVIRONMENT_MISSING`),
 * a value breaking a rule (`PROVIDER_ENVIRONMENT_INVALID`), or a directory that cannot be used
 * (`PROVIDER_DIRECTORY_UNUSABLE`), or no templates file under any name looked for (`TEMPLATES_FILE_MISSING`).
 * `details.variable` names the variable; no value is ever quoted.
 */
export class ProviderEnvironmentError extends KernelError {
  declare readonly code: ProviderEnvironmentErrorCode;

  constructor(code: ProviderEnvironmentErrorCode, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, cause === undefined ? { details } : { details, cause });
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Forces the product instead of detecting it. */
const PRODUCT_VARIABLE = 'HOSTFACTORY_PRODUCT';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SYMPHONY_VARIABLES = ['HF_PROVIDER_NAME', 'HF_PROVIDER_CONFDIR', 'HF_PROVIDER_WORKDIR', 'HF_PROVIDER_LOGDIR', 'HF_CONFDIR', 'HF_WORKDIR', 'HF_LOGDIR'];
const LSF_VARIABLES = ['PROVIDER_NAME', 'PRO_CONF_DIR', 'PRO_DATA_DIR', 'PRO_LSF_LOGDIR', 'PRO_LSF_TOP'];
/** Symphony's log levels (`LOG_INFO`, `info`, any case) to ours; trace and fatal map to the nearest. */
const LOG_LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'debug', debug: 'debug', info: 'info', notice: 'info', warn: 'warn', warning: 'warn', error: 'error', err: 'error', fatal: 'error', critical: 'error',
};
/** Longest `HF_PROVIDER_ACTION_TIMEOUT` accepted, in seconds (one day). */
const MAX_ACTION_TIMEOUT_S = 86_400;

const set = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

/**
 * The product whose variables `env` holds: `lsf` when ebrokerd's (`PROVIDER_NAME`, `PRO_*`) are set and
 * no `HF_*` one is, `symphony` when any `HF_*` provider variable is, otherwise undefined.
 */
export function detectProduct(env: Env): HostFactoryProduct | undefined {
  if (SYMPHONY_VARIABLES.some((name) => set(env, name))) return 'symphony';
  if (LSF_VARIABLES.some((name) => set(env, name))) return 'lsf';
  return undefined;
}

/**
 * Reads the provider environment as IBM specifies it. Symphony: `HF_PROVIDER_NAME` (required), and
 * `HF_PROVIDER_CONFDIR`/`WORKDIR`/`LOGDIR` when set, else `$HF_CONFDIR/providers/<name>/`,
 * `$HF_WORKDIR/providers/<name>/`, `$HF_LOGDIR/`; `HF_LOGLEVEL`; `HF_PROVIDER_ACTION_TIMEOUT` (seconds).
 * LSF (ebrokerd): `PROVIDER_NAME`, templates in `$PRO_CONF_DIR/conf/`, state in `$PRO_DATA_DIR/<name>/`
 * (the directory is shared by every provider instance), logs in `$PRO_LSF_LOGDIR`. The product is
 * `options.product`, else `HOSTFACTORY_PRODUCT` (`symphony` or `lsf`), else detected. Touches no file.
 * Throws {@link ProviderEnvironmentError} naming the variable and the fix, never quoting a value.
 */
export function resolveProviderEnvironment(env: Env, options: ProviderEnvironmentOptions = {}): ProviderEnvironment {
  const product = options.product ?? productOverride(env) ?? detectProduct(env);
  if (product === undefined) {
    throw missing('HF_PROVIDER_NAME', 'HF_PROVIDER_NAME is not set (nor LSF\'s PROVIDER_NAME): Symphony\'s host factory sets it for provider scripts (LSF\'s ebrokerd sets PROVIDER_NAME); to run a script by hand, set HF_PROVIDER_NAME and HF_CONFDIR, HF_WORKDIR and HF_LOGDIR.');
  }
  return product === 'lsf' ? lsfEnvironment(env) : symphonyEnvironment(env);
}

function productOverride(env: Env): HostFactoryProduct | undefined {
  if (!set(env, PRODUCT_VARIABLE)) return undefined;
  const value = env[PRODUCT_VARIABLE]!.trim().toLowerCase();
  if (value === 'symphony' || value === 'lsf') return value;
  throw invalid(PRODUCT_VARIABLE, `${PRODUCT_VARIABLE} must be "symphony" or "lsf" (or unset, to detect the product from its variables): correct it.`);
}

function symphonyEnvironment(env: Env): ProviderEnvironment {
  const name = providerName(env, 'HF_PROVIDER_NAME', 'Symphony sets it to the provider instance\'s name in hostProviders.json');
  // Each directory from its explicit variable, else under its root: `$HF_WORKDIR/providers/<name>`
  // (`perProvider`) or the root itself. Messages name them by variables, never by value.
  const dir = (explicit: string, root: string, perProvider: boolean): { path: string; from: string } => {
    if (set(env, explicit)) return { path: absolute(env, explicit), from: `$${explicit}` };
    if (!set(env, root)) {
      throw missing(explicit, `Neither ${explicit} nor ${root} is set: Symphony sets ${root} in hostfactory.xml (and ${explicit} from hostProviders.json); set one of them to an absolute directory.`);
    }
    const path = absolute(env, root);
    return perProvider ? { path: join(path, 'providers', name), from: `$${root}/providers/\${HF_PROVIDER_NAME}` } : { path, from: `$${root}` };
  };
  const conf = dir('HF_PROVIDER_CONFDIR', 'HF_CONFDIR', true);
  const work = dir('HF_PROVIDER_WORKDIR', 'HF_WORKDIR', true);
  const log = dir('HF_PROVIDER_LOGDIR', 'HF_LOGDIR', false);
  const templates = `${name}prov_templates.json`;
  const timeout = actionTimeoutMs(env);
  return Object.freeze({
    product: 'symphony',
    name,
    confDir: conf.path,
    templatesFile: join(conf.path, templates),
    stateDir: work.path,
    logDir: log.path,
    logFileName: `${name}-provider.log`,
    logLevel: logLevel(env, 'HF_LOGLEVEL'),
    ...(timeout === undefined ? {} : { actionTimeoutMs: timeout }),
    describe: Object.freeze({ confDir: conf.from, stateDir: work.from, logDir: log.from, templatesFile: `${conf.from}/\${HF_PROVIDER_NAME}prov_templates.json` }),
  });
}

function lsfEnvironment(env: Env): ProviderEnvironment {
  const name = providerName(env, 'PROVIDER_NAME', 'ebrokerd sets it to the provider\'s name in hostProviders.json');
  const required = (variable: string, what: string) => {
    if (!set(env, variable)) throw missing(variable, `${variable} is not set: LSF's ebrokerd sets it (${what}); set it to an absolute directory to run a script by hand.`);
    return absolute(env, variable);
  };
  const confDir = join(required('PRO_CONF_DIR', 'confPath of hostProviders.json'), 'conf');
  const stateDir = join(required('PRO_DATA_DIR', 'the resource connector\'s work directory'), name);
  const logDir = required('PRO_LSF_LOGDIR', 'LSF_LOGDIR');
  const templates = `${name}prov_templates.json`;
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '').replace(/^\.+/, '') || 'localhost';
  return Object.freeze({
    product: 'lsf',
    name,
    confDir,
    templatesFile: join(confDir, templates),
    stateDir,
    logDir,
    logFileName: `${name}-provider.log.${host}`,
    logLevel: 'info',
    describe: Object.freeze({ confDir: '$PRO_CONF_DIR/conf', stateDir: '$PRO_DATA_DIR/${PROVIDER_NAME}', logDir: '$PRO_LSF_LOGDIR', templatesFile: '$PRO_CONF_DIR/conf/${PROVIDER_NAME}prov_templates.json' }),
  });
}

function missing(variable: string, message: string): ProviderEnvironmentError {
  return new ProviderEnvironmentError('PROVIDER_ENVIRONMENT_MISSING', message, { variable });
}

function invalid(variable: string, message: string): ProviderEnvironmentError {
  return new ProviderEnvironmentError('PROVIDER_ENVIRONMENT_INVALID', message, { variable });
}

function providerName(env: Env, variable: string, who: string): string {
  if (!set(env, variable)) throw missing(variable, `${variable} is not set: ${who}; set it to run a script by hand.`);
  const name = env[variable]!.trim();
  if (!NAME.test(name)) {
    throw invalid(variable, `${variable} must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit (it names the provider's files): correct the provider's name in hostProviders.json.`);
  }
  return name;
}

function absolute(env: Env, variable: string): string {
  const value = env[variable]!.trim();
  if (!isAbsolute(value)) throw invalid(variable, `${variable} must be an absolute directory (a relative one depends on where the script is started): correct it.`);
  return value;
}

function logLevel(env: Env, variable: string): LogLevel {
  if (!set(env, variable)) return 'info';
  const level = LOG_LEVELS[env[variable]!.trim().toLowerCase().replace(/^log_/, '')];
  if (level === undefined) throw invalid(variable, `${variable} must be one of LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR (or trace, notice, fatal; any case, LOG_ optional): correct it in hostfactory.xml.`);
  return level;
}

function actionTimeoutMs(env: Env): number | undefined {
  const variable = 'HF_PROVIDER_ACTION_TIMEOUT';
  if (!set(env, variable)) return undefined;
  const text = env[variable]!.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_ACTION_TIMEOUT_S)) {
    throw invalid(variable, `${variable} must be a whole number of seconds from 1 to ${MAX_ACTION_TIMEOUT_S}: correct it where the host factory's configuration sets it.`);
  }
  return seconds * 1000;
}
