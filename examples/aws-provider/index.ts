/**
 * The AWS EC2 provider example: a {@link ProviderPort} on EC2 (RunInstances, EC2 Fleet, Spot Fleet, ASG)
 * configured by the SDK's standard chain and `awsprov_config.json`. See docs/aws-provider.md.
 */
import { AwsEc2Provider, type AwsEc2ProviderOptions } from './aws-provider';
import { createAutoScalingClient, createEc2Client } from './config';
import type { AwsProviderConfig } from './config-file';

export { AwsEc2Provider, SPOT_NOTICE_SECONDS, type AwsEc2ProviderOptions } from './aws-provider';
// Reading `awsprov_config.json` (`loadAwsProviderConfig`, `parseAwsProviderConfig`) is in './config-file',
// kept apart from the SDK so a caller can read the file before it loads the SDK.
export { createAutoScalingClient, createEc2Client } from './config';
export type { AwsProviderConfig } from './config-file';
export { AwsProviderError, type AwsProviderErrorCode } from './errors';
export { launchSettings, type LaunchSettings, type ProviderApi } from './launch-settings';
export { clientToken, REQUEST_TAG, RETURN_TAG, TEMPLATE_TAG, UNITS_TAG } from './tags';

/**
 * The provider for a Symphony configuration directory's `awsprov_config.json` (`loadAwsProviderConfig`),
 * with `close()` to release the SDK clients. `kernelError` (the library's `KernelError`) turns on
 * `checkTemplate` (see `AwsEc2ProviderOptions.kernelError`).
 */
export function openAwsProvider(config: AwsProviderConfig, library: Pick<AwsEc2ProviderOptions, 'kernelError'> = {}): AwsEc2Provider & { close(): void } {
  const client = createEc2Client(config);
  const autoScaling = createAutoScalingClient(config);
  const provider = new AwsEc2Provider(client, {
    ...library,
    autoScaling,
    ...(config.pageSize === undefined ? {} : { pageSize: config.pageSize }),
    ...(config.pendingTimeoutSeconds === undefined ? {} : { pendingTimeoutSeconds: config.pendingTimeoutSeconds }),
  });
  return Object.assign(provider, {
    close: () => {
      client.destroy();
      autoScaling.destroy();
    },
  });
}
