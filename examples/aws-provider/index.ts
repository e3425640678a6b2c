/**
 * The AWS EC2 provider example: a {@link ProviderPort} on EC2 (RunInstances, EC2 Fleet, Spot Fleet, ASG)
 * configured by the SDK's standard chain and `awsprov_config.json`. See docs/aws-provider.md.
 */
import { AwsEc2Provider } from './aws-provider';
import { createAutoScalingClient, createEc2Client, loadAwsProviderConfig } from './config';

export { AwsEc2Provider, SPOT_NOTICE_SECONDS, type AwsEc2ProviderOptions } from './aws-provider';
export { AWS_CONFIG_FILE, createAutoScalingClient, createEc2Client, loadAwsProviderConfig, parseAwsProviderConfig, type AwsProviderConfig } from './config';
export { AwsProviderError, type AwsProviderErrorCode } from './errors';
export { launchSettings, type LaunchSettings, type ProviderApi } from './launch-settings';
export { clientToken, REQUEST_TAG, RETURN_TAG, TEMPLATE_TAG, UNITS_TAG } from './tags';

/** The provider for a Symphony configuration directory, with `close()` to release the SDK client. */
export function openAwsProvider(confdir: string): AwsEc2Provider & { close(): void } {
  const config = loadAwsProviderConfig(confdir);
  const client = createEc2Client(config);
  const autoScaling = createAutoScalingClient(config);
  const provider = new AwsEc2Provider(client, {
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
