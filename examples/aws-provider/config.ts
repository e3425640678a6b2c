import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { AwsProviderConfig } from './config-file';

/**
 * The SDK settings every client of the adapter shares: region, endpoint, profile, an explicit and
 * bounded retry strategy, the connection timeout, and credentials from `credentialFile` when given.
 */
export function clientSettings(config: AwsProviderConfig) {
  return {
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.profile === undefined ? {} : { profile: config.profile }),
    retryMode: config.retryMode ?? 'standard',
    maxAttempts: config.maxAttempts ?? 5,
    ...(config.connectionTimeoutMs === undefined ? {} : { requestHandler: { connectionTimeout: config.connectionTimeoutMs } }),
    ...(config.credentialFile === undefined ? {} : { credentials: fromIni({ filepath: config.credentialFile, ...(config.profile === undefined ? {} : { profile: config.profile }) }) }),
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
