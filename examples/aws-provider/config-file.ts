/**
 * `awsprov_config.json`: what it may set, its checks, and reading it. No AWS SDK here: the example
 * Symphony provider reads the file before it loads the SDK (and the rest of the adapter) on demand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeValue, parseJsonText } from 'hostfactory-kernel/hostfactory';
import { AwsProviderError } from './errors';

/** Name of the provider configuration file, beside the templates file. */
export const AWS_CONFIG_FILE = 'awsprov_config.json';

/**
 * What `awsprov_config.json` may set. Credentials are never read from it: they come from the SDK's
 * standard chain (environment, shared config/credentials files with `profile`, SSO, instance role).
 */
export interface AwsProviderConfig {
  /** AWS region; default: the SDK's chain (`AWS_REGION`, the profile's region). */
  readonly region?: string;
  /** Endpoint override (a VPC endpoint, or a local EC2 API such as moto_server). */
  readonly endpoint?: string;
  /** Shared-config profile for credentials and region. */
  readonly profile?: string;
  /** SDK retry mode: `standard` (default) or `adaptive` (client-side rate limiting as well). */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Attempts per call, first included (default 5, 1–20). */
  readonly maxAttempts?: number;
  /** `MaxResults` of paginated describe calls (default 1000, 5–1000). */
  readonly pageSize?: number;
  /** A shared credentials file (INI, `[profile]` sections) to read credentials from instead of the chain. */
  readonly credentialFile?: string;
  /** Milliseconds to wait for a connection to be established (SDK `requestHandler.connectionTimeout`). */
  readonly connectionTimeoutMs?: number;
  /** Seconds an instance may stay `pending` before it is terminated and reported failed (180–10000; default: no limit). */
  readonly pendingTimeoutSeconds?: number;
  /** Image aliases templates may name as `imageId: "alias:NAME"`: NAME → an AMI id or an SSM parameter path. */
  readonly imageAliases?: Readonly<Record<string, string>>;
}

const KEYS = new Set(['region', 'endpoint', 'profile', 'retryMode', 'maxAttempts', 'pageSize', 'credentialFile', 'connectionTimeoutMs', 'pendingTimeoutSeconds', 'imageAliases']);

/**
 * The keys of IBM's own AWS plug-in (`awsprov_config.json` as IBM documents it) and the setting each
 * maps to; `null`: checked and dropped, because the value asks for exactly what this example does
 * (ACCEPT_PROPAGATED_LOG_SETTING true: the log level is HF_LOGLEVEL). Every key takes effect or is refused.
 */
const IBM_KEYS: Readonly<Record<string, { readonly to: keyof AwsProviderConfig | null; readonly check: (v: unknown) => string | undefined; readonly map?: (v: unknown) => unknown }>> = {
  AWS_REGION: { to: 'region', check: nonEmptyString },
  AWS_ENDPOINT_URL: { to: 'endpoint', check: nonEmptyString },
  AWS_CREDENTIAL_FILE: { to: 'credentialFile', check: absolutePath },
  AWS_REQUEST_RETRY_ATTEMPTS: { to: 'maxAttempts', check: intIn(0, 10), map: (v) => (v as number) + 1 },
  AWS_CONNECTION_TIMEOUT_MS: { to: 'connectionTimeoutMs', check: intIn(1, 2_147_483_647) },
  AWS_INSTANCE_PENDING_TIMEOUT_SEC: { to: 'pendingTimeoutSeconds', check: intIn(180, 10_000) },
  ACCEPT_PROPAGATED_LOG_SETTING: {
    to: null,
    check: (v) => (v === true || v === 'true' ? undefined : 'must be true here: this provider always logs at the host factory\'s HF_LOGLEVEL (set true, or remove the key)'),
  },
};
/** IBM keys this example refuses, with why and what to do instead. */
const REFUSED_IBM_KEYS: Readonly<Record<string, string>> = {
  AWS_PROXY_HOST: 'is not supported by this example: set HTTPS_PROXY for a proxy-aware agent in your own adapter',
  AWS_PROXY_PORT: 'is not supported by this example: set HTTPS_PROXY for a proxy-aware agent in your own adapter',
  AWS_DESCRIBE_REQUEST_RETRY_ATTEMPTS: 'is not supported: describe calls retry with every other call (set AWS_REQUEST_RETRY_ATTEMPTS), and the next getRequestStatus asks again; remove the key',
  AWS_DESCRIBE_REQUEST_INTERVAL: 'is not supported: the SDK spaces retries with its own backoff (see AWS_REQUEST_RETRY_ATTEMPTS); remove the key',
  AWS_KEY_FILE: 'is not used: this provider never reads key pair files (EC2 gets the template\'s keyName); remove the key',
};

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty string';
}
function absolutePath(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith('/') ? undefined : 'must be an absolute path';
}
function intIn(min: number, max: number): (v: unknown) => string | undefined {
  return (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `must be an integer from ${min} to ${max}`);
}

/**
 * Turns IBM's `AWS_*` keys into this adapter's settings (an `awsprov_config.json` written for IBM's
 * plug-in works here); a file may mix both spellings, but not name one setting twice.
 */
function fromIbmKeys(raw: Record<string, unknown>, bad: (field: string, what: string) => never): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const refused = REFUSED_IBM_KEYS[key];
    if (refused !== undefined) bad(key, refused);
    const ibm = IBM_KEYS[key];
    if (ibm === undefined) {
      out[key] = value;
      continue;
    }
    const problem = ibm.check(value);
    if (problem !== undefined) bad(key, `${problem} (IBM's awsprov_config.json key)`);
    if (ibm.to === null) continue;
    if (Object.hasOwn(raw, ibm.to)) bad(key, `and ${ibm.to} set the same thing: keep one`);
    out[ibm.to] = ibm.map === undefined ? value : ibm.map(value);
  }
  return out;
}

/** Validates a configuration object; throws AWS_CONFIG_INVALID naming the first bad key. */
export function parseAwsProviderConfig(value: unknown, source = AWS_CONFIG_FILE): AwsProviderConfig {
  const bad = (field: string, what: string): never => {
    throw new AwsProviderError('AWS_CONFIG_INVALID', `${source}: ${field} ${what}`, field);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('(root)', 'must be a JSON object');
  const raw = fromIbmKeys(value as Record<string, unknown>, bad);
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) bad(key, `is not a setting (known: ${[...KEYS].join(', ')}, or IBM's ${Object.keys(IBM_KEYS).join(', ')}); credentials belong in the SDK's chain or a credential file, not here`);
  for (const key of ['region', 'endpoint', 'profile'] as const) {
    if (raw[key] !== undefined && (typeof raw[key] !== 'string' || raw[key] === '')) bad(key, `must be a non-empty string, got ${describeValue(raw[key])}`);
  }
  if (raw.endpoint !== undefined && !/^https?:\/\//.test(raw.endpoint as string)) bad('endpoint', `must be an http(s) URL, got ${describeValue(raw.endpoint)}`);
  if (raw.retryMode !== undefined && raw.retryMode !== 'standard' && raw.retryMode !== 'adaptive') bad('retryMode', `must be "standard" or "adaptive", got ${describeValue(raw.retryMode)}`);
  const intIn = (key: string, min: number, max: number): void => {
    const v = raw[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max)) bad(key, `must be an integer from ${min} to ${max}, got ${describeValue(v)}`);
  };
  intIn('maxAttempts', 1, 20);
  intIn('pageSize', 5, 1000);
  intIn('connectionTimeoutMs', 1, 2_147_483_647);
  intIn('pendingTimeoutSeconds', 180, 10_000);
  if (raw.credentialFile !== undefined && (typeof raw.credentialFile !== 'string' || !raw.credentialFile.startsWith('/'))) bad('credentialFile', 'must be an absolute path');
  const aliases = raw.imageAliases;
  if (aliases !== undefined && (typeof aliases !== 'object' || aliases === null || Array.isArray(aliases))) bad('imageAliases', 'must map alias names to an AMI id or an SSM parameter path');
  for (const [alias, target] of Object.entries((aliases ?? {}) as Record<string, unknown>)) {
    if (typeof target !== 'string' || !/^(ami-[0-9a-f]{8,17}|\/[A-Za-z0-9_.\-/]{1,2047})$/.test(target)) bad(`imageAliases.${alias.slice(0, 60)}`, 'must be an AMI id (ami-...) or an SSM parameter path (/...)');
  }
  return raw as AwsProviderConfig;
}

/** Reads `awsprov_config.json` from `confdir`; an absent file means every default. */
export function loadAwsProviderConfig(confdir: string): AwsProviderConfig {
  const path = join(confdir, AWS_CONFIG_FILE);
  if (!existsSync(path)) return {};
  // Messages name the file, never its directory or its text (it may sit next to secrets).
  const parsed = parseJsonText(readFileSync(path, 'utf8'), (where) => new AwsProviderError('AWS_CONFIG_INVALID', `${AWS_CONFIG_FILE} is not valid JSON (syntax error at ${where})`, '(root)'));
  return parseAwsProviderConfig(parsed, AWS_CONFIG_FILE);
}
