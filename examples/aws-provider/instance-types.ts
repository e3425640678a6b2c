/**
 * The instance-type catalogue port on EC2's `DescribeInstanceTypes`: vCPUs, physical cores and
 * memory of each type a templates file names, asked once per import and cached (the catalogue
 * changes when AWS adds types, not between calls). See docs/templates.md, "The catalogue".
 */
import { DescribeInstanceTypesCommand, type EC2Client, type InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { LRUCache } from 'lru-cache';
import type { InstanceTypeCatalogue, InstanceTypeFacts } from 'hostfactory-kernel/hostfactory';
import { ec2Call } from './errors';

/** Options of {@link ec2InstanceTypeCatalogue}. */
export interface Ec2CatalogueOptions {
  /** How long an answer is reused, in ms (default 3 600 000: one hour). */
  readonly ttlMs?: number;
  /** Most types kept (default 2000, more than EC2 offers in a region). */
  readonly maxEntries?: number;
}

/** An {@link InstanceTypeCatalogue} on EC2, with the count of `DescribeInstanceTypes` calls it made. */
export type Ec2InstanceTypeCatalogue = InstanceTypeCatalogue & { readonly calls: number };

/** What the cache holds for a type EC2 does not offer (an answer too, so a typo is not asked again). */
const UNKNOWN = Object.freeze({ unknown: true as const });
/** Values per filter EC2 accepts in one call. */
const PER_CALL = 100;

/**
 * Asks `DescribeInstanceTypes` with an `instance-type` filter (unlike `InstanceTypes`, an unknown
 * name is simply not returned, instead of failing the whole call), pages through the answer, and
 * caches known and unknown types. A failed call throws `AWS_CALL_FAILED` and caches nothing.
 */
export function ec2InstanceTypeCatalogue(client: EC2Client, options: Ec2CatalogueOptions = {}): Ec2InstanceTypeCatalogue {
  let calls = 0;
  const cache = new LRUCache<string, InstanceTypeFacts | typeof UNKNOWN>({ max: options.maxEntries ?? 2000, ttl: options.ttlMs ?? 3_600_000 });
  const ask = async (types: string[]): Promise<void> => {
    const found = new Map<string, InstanceTypeFacts>();
    let NextToken: string | undefined;
    do {
      calls += 1;
      const page = await ec2Call('DescribeInstanceTypes', () =>
        client.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'instance-type', Values: types }], ...(NextToken === undefined ? {} : { NextToken }) })),
      );
      for (const info of page.InstanceTypes ?? []) {
        const facts = factsOf(info);
        if (info.InstanceType !== undefined && facts !== undefined) found.set(info.InstanceType, facts);
      }
      NextToken = page.NextToken;
    } while (NextToken !== undefined && NextToken !== '');
    for (const type of types) cache.set(type, found.get(type) ?? UNKNOWN);
  };
  return {
    get calls() {
      return calls;
    },
    async describe(instanceTypes) {
      const missing = [...new Set(instanceTypes)].filter((type) => !cache.has(type));
      for (let i = 0; i < missing.length; i += PER_CALL) await ask(missing.slice(i, i + PER_CALL));
      const answer = new Map<string, InstanceTypeFacts>();
      for (const type of instanceTypes) {
        const facts = cache.get(type);
        if (facts !== undefined && !('unknown' in facts)) answer.set(type, facts);
      }
      return answer;
    },
  };
}

function factsOf(info: InstanceTypeInfo): InstanceTypeFacts | undefined {
  const vcpus = info.VCpuInfo?.DefaultVCpus;
  const memoryMiB = info.MemoryInfo?.SizeInMiB;
  if (vcpus === undefined || memoryMiB === undefined) return undefined;
  const cores = info.VCpuInfo?.DefaultCores;
  return cores === undefined ? { vcpus, memoryMiB } : { vcpus, cores, memoryMiB };
}
