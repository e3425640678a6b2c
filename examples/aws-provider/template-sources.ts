/**
 * What the AWS example gives the host factory next to its provider: the provider type (`aws`), the
 * image resolver (aliases from `awsprov_config.json`'s `imageAliases`, then SSM parameter paths)
 * and the instance-type catalogue. One set per configuration directory and process, so every host
 * factory of a long-running process shares one bounded cache.
 */
import { aliasImageResolver, type ImageResolver, type InstanceTypeCatalogue } from 'hostfactory-kernel/hostfactory';
import { createEc2Client } from './config';
import { loadAwsProviderConfig } from './config-file';
import { ec2InstanceTypeCatalogue } from './instance-types';
import { createSsmClient, ssmImageResolver } from './ssm-images';

/** The provider type of this adapter: it names the `<type>prov_templates.json` file and the `defaults.providerTypes` level. */
export const AWS_PROVIDER_TYPE = 'aws';

/** The template sources of one configuration directory. */
export interface AwsTemplateSources {
  readonly type: typeof AWS_PROVIDER_TYPE;
  readonly images: ImageResolver;
  readonly catalogue: InstanceTypeCatalogue;
  /** Destroys the SDK clients (their kept-alive sockets would hold a script's process open) and forgets the set. */
  close(): void;
}

const shared = new Map<string, AwsTemplateSources>();

/**
 * The sources for `confdir` (read from its `awsprov_config.json`), built once per process and kept
 * until `close()`.
 */
export function awsTemplateSources(confdir: string): AwsTemplateSources {
  const known = shared.get(confdir);
  if (known !== undefined) return known;
  const config = loadAwsProviderConfig(confdir);
  const ssm = createSsmClient(config);
  const ec2 = createEc2Client(config);
  const sources: AwsTemplateSources = {
    type: AWS_PROVIDER_TYPE,
    images: aliasImageResolver(config.imageAliases ?? {}, ssmImageResolver(ssm)),
    catalogue: ec2InstanceTypeCatalogue(ec2),
    close() {
      shared.delete(confdir);
      ssm.destroy();
      ec2.destroy();
    },
  };
  shared.set(confdir, sources);
  return sources;
}
