/**
 * The image resolver port on AWS Systems Manager Parameter Store: a template's `imageId` may be a
 * parameter path (`/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`, or
 * CloudFormation's `resolve:ssm:/path`), resolved to the AMI id the parameter holds. Answers are
 * kept in one bounded LRU cache per resolver with a TTL, and concurrent asks for one path share one
 * `GetParameter` call. See docs/templates.md, "Images".
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LRUCache } from 'lru-cache';
import type { ImageResolutionError, ImageResolver } from 'hostfactory-kernel/hostfactory';
import { clientSettings } from './config';
import { type AwsProviderConfig } from './config-file';
import { ec2ErrorCode } from './errors';

/** Options of {@link ssmImageResolver}. */
export interface SsmImageResolverOptions {
  /**
   * The library's `ImageResolutionError` (from `hostfactory-kernel/hostfactory`), passed in: a value
   * imported from the library here would make the Symphony provider bundle initialise the library
   * lazily (this module is loaded on demand; examples/symphony-provider/bundle.test.ts).
   */
  readonly errors: typeof ImageResolutionError;
  /** How long a resolved path is reused, in ms (default 300 000: five minutes). */
  readonly ttlMs?: number;
  /** Most paths kept (default 1000; the least recently used goes first). */
  readonly maxEntries?: number;
}

/** An {@link ImageResolver} on SSM, with the count of `GetParameter` calls it made. */
export type SsmImageResolver = ImageResolver & { readonly calls: number };

const PREFIX = 'resolve:ssm:';
/** SSM parameter names: `/`-separated segments of letters, digits and `_.-`, at most 2048 characters. */
const PARAMETER_PATH = /^\/[A-Za-z0-9_.\-/]{1,2047}$/;
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

/**
 * Resolves parameter paths through `client` (`GetParameter`). A path that does not exist, or whose
 * value is not an AMI id, is `IMAGE_UNRESOLVED` (`unknown`); throttling and network errors are
 * `unavailable` (the SDK has already retried). Failures are never cached.
 */
export function ssmImageResolver(client: SSMClient, options: SsmImageResolverOptions): SsmImageResolver {
  const ImageResolutionError = options.errors;
  let calls = 0;
  const cache = new LRUCache<string, string>({
    max: options.maxEntries ?? 1000,
    ttl: options.ttlMs ?? 300_000,
    fetchMethod: async (name) => {
      calls += 1;
      let value: string | undefined;
      try {
        value = (await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
      } catch (error) {
        const code = ec2ErrorCode(error) ?? 'Error';
        if (code === 'ParameterNotFound' || code === 'ValidationException') throw new ImageResolutionError(name, 'unknown', `the SSM parameter does not exist (${code})`, { cause: error });
        throw new ImageResolutionError(name, 'unavailable', `SSM GetParameter failed (${code})`, { cause: error });
      }
      if (value === undefined || !AMI_ID.test(value.trim())) throw new ImageResolutionError(name, 'unknown', 'the SSM parameter does not hold an AMI id (ami-...)');
      return value.trim();
    },
  });
  const pathOf = (reference: string) => (reference.startsWith(PREFIX) ? reference.slice(PREFIX.length) : reference);
  return {
    get calls() {
      return calls;
    },
    handles: (reference) => reference.startsWith('/') || reference.startsWith(PREFIX),
    async resolve(reference) {
      const name = pathOf(reference);
      if (!PARAMETER_PATH.test(name)) throw new ImageResolutionError(reference, 'unknown', 'it is not an SSM parameter path (/segment/segment..., letters, digits, "_", ".", "-")');
      const imageId = await cache.fetch(name);
      if (imageId === undefined) throw new ImageResolutionError(reference, 'unavailable', 'SSM answered nothing');
      return imageId;
    },
  };
}

/** An SSM client with the adapter's shared settings (region, endpoint, retries, credentials). */
export function createSsmClient(config: AwsProviderConfig): SSMClient {
  return new SSMClient(clientSettings(config));
}
