/**
 * What the AWS example gives the host factory next to its provider: the provider type (`aws`), the
 * image resolver (aliases from `awsprov_config.json`'s `imageAliases`, then SSM parameter paths)
 * and the instance-type catalogue. One set per configuration directory and process, so every host
 * factory of a long-running process shares one bounded cache.
 */
import type { aliasImageResolver, ImageResolutionError, ImageResolver, InstanceTypeCatalogue } from 'hostfactory-kernel/hostfactory';
import { createEc2Client } from './config';
import type { AwsProviderConfig } from './config-file';
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
 * The sources for `confdir` (`config` is its `awsprov_config.json`, read by the caller), built once per
 * process and kept until `close()`. `library` holds the library's `aliasImageResolver` and `ImageResolutionError`, passed in
 * by the caller that loads this module on demand: a value imported from the library here would be
 * initialised lazily in the provider bundle, with every library module it reaches
 * (examples/symphony-provider/bundle.test.ts).
 */
export function awsTemplateSources(
  confdir: string,
  config: AwsProviderConfig,
  library: { readonly aliasImageResolver: typeof aliasImageResolver; readonly ImageResolutionError: typeof ImageResolutionError },
): AwsTemplateSources {
  const known = shared.get(confdir);
  if (known !== undefined) return known;
  const ssm = createSsmClient(config);
  const ec2 = createEc2Client(config);
  const sources: AwsTemplateSources = {
    type: AWS_PROVIDER_TYPE,
    images: library.aliasImageResolver(config.imageAliases ?? {}, ssmImageResolver(ssm, { errors: library.ImageResolutionError })),
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
