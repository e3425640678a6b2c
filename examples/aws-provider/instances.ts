import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { ec2Call, ec2ErrorCode } from './errors';

/** EC2's limit of instance ids per DescribeInstances / TerminateInstances / CreateTags call. */
export const IDS_PER_CALL = 1000;

/** An instance and the reservation it was launched in. */
export interface FoundInstance {
  readonly instance: Instance;
  readonly reservationId: string | null;
}

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every instance matching `filters`, following `NextToken` page by page (`pageSize` = MaxResults). */
export async function findInstances(client: EC2Client, filters: Filter[], pageSize: number): Promise<FoundInstance[]> {
  const found: FoundInstance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2Call('DescribeInstances', () => client.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: pageSize, NextToken: token })));
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) found.push({ instance, reservationId: reservation.ReservationId ?? null });
    }
    token = page.NextToken || undefined;
  } while (token !== undefined);
  return found;
}

/** Ids EC2 names in an `InvalidInstanceID.NotFound` / `.Malformed` / `InvalidID` error message. */
export function idsInMessage(error: unknown): string[] {
  const text = error instanceof Error ? error.message : String(error);
  return [...text.matchAll(/i-[A-Za-z0-9-]+/g)].map((m) => m[0]);
}

/** True for the errors EC2 gives for instance ids it does not (or no longer, or not yet) know. */
export function isUnknownInstanceError(error: unknown): boolean {
  const code = ec2ErrorCode((error as { cause?: unknown }).cause ?? error);
  return code === 'InvalidInstanceID.NotFound' || code === 'InvalidInstanceID.Malformed' || code === 'InvalidID';
}

/**
 * Runs `call` on `ids` in batches of {@link IDS_PER_CALL}. When EC2 refuses a batch because some ids
 * are unknown (just launched and not yet visible, or long gone), those ids are set aside and the
 * rest is sent again. Returns the ids EC2 did not know.
 */
export async function forKnownIds(ids: readonly string[], call: (batch: string[]) => Promise<void>): Promise<string[]> {
  const unknown: string[] = [];
  for (const batch of chunks(ids, IDS_PER_CALL)) {
    let rest = batch;
    while (rest.length > 0) {
      try {
        await call(rest);
        break;
      } catch (error) {
        if (!isUnknownInstanceError(error)) throw error;
        const named = idsInMessage(error).filter((id) => rest.includes(id));
        // Without a named id the whole batch is unknown to EC2 (one id per call keeps this exact).
        const gone = named.length > 0 ? named : rest.length === 1 ? rest : [];
        if (gone.length === 0) {
          for (const id of rest) unknown.push(...(await forKnownIds([id], call)));
          break;
        }
        unknown.push(...gone);
        rest = rest.filter((id) => !gone.includes(id));
      }
    }
  }
  return unknown;
}

/** Describes instances by id, in batches, tolerating ids EC2 does not know (eventual consistency, or gone). */
export async function describeInstanceIds(client: EC2Client, ids: readonly string[]): Promise<FoundInstance[]> {
  const found: FoundInstance[] = [];
  await forKnownIds(ids, async (batch) => {
    const page = await ec2Call('DescribeInstances', () => client.send(new DescribeInstancesCommand({ InstanceIds: batch })));
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) found.push({ instance, reservationId: reservation.ReservationId ?? null });
    }
  });
  return found;
}
