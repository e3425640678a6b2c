import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
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
}

const KEYS = new Set(['region', 'endpoint', 'profile', 'retryMode', 'maxAttempts', 'pageSize']);

/** Validates a configuration object; throws AWS_CONFIG_INVALID naming the first bad key. */
export function parseAwsProviderConfig(value: unknown, source = AWS_CONFIG_FILE): AwsProviderConfig {
  const bad = (field: string, what: string): never => {
    throw new AwsProviderError('AWS_CONFIG_INVALID', `${source}: ${field} ${what}`, field);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('(root)', 'must be a JSON object');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) bad(key, `is not a setting (known: ${[...KEYS].join(', ')}); credentials belong in the SDK's chain, not here`);
  for (const key of ['region', 'endpoint', 'profile'] as const) {
    if (raw[key] !== undefined && (typeof raw[key] !== 'string' || raw[key] === '')) bad(key, `must be a non-empty string, got ${JSON.stringify(raw[key])}`);
  }
  if (raw.endpoint !== undefined && !/^https?:\/\//.test(raw.endpoint as string)) bad('endpoint', `must be an http(s) URL, got ${JSON.stringify(raw.endpoint)}`);
  if (raw.retryMode !== undefined && raw.retryMode !== 'standard' && raw.retryMode !== 'adaptive') bad('retryMode', `must be "standard" or "adaptive", got ${JSON.stringify(raw.retryMode)}`);
  const intIn = (key: string, min: number, max: number): void => {
    const v = raw[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max)) bad(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
  intIn('maxAttempts', 1, 20);
  intIn('pageSize', 5, 1000);
  return raw as AwsProviderConfig;
}

/** Reads `awsprov_config.json` from `confdir`; an absent file means every default. */
export function loadAwsProviderConfig(confdir: string): AwsProviderConfig {
  const path = join(confdir, AWS_CONFIG_FILE);
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AwsProviderError('AWS_CONFIG_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, '(root)');
  }
  return parseAwsProviderConfig(parsed, path);
}

/** The SDK settings every client of the adapter shares: region, endpoint, profile, an explicit and bounded retry strategy. */
function clientSettings(config: AwsProviderConfig) {
  return {
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.profile === undefined ? {} : { profile: config.profile }),
    retryMode: config.retryMode ?? 'standard',
    maxAttempts: config.maxAttempts ?? 5,
  };
}

/** An EC2 client for `config`; credentials from the SDK's default chain. */
export function createEc2Client(config: AwsProviderConfig): EC2Client {
  return new EC2Client(clientSettings(config));
}

/** An EC2 Auto Scaling client for `config` (the `ASG` provider API); credentials from the SDK's default chain. */
export function createAutoScalingClient(config: AwsProviderConfig): AutoScalingClient {
  return new AutoScalingClient(clientSettings(config));
}
