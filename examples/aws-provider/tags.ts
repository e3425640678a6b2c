import type { Tag } from '@aws-sdk/client-ec2';

/** Tag naming the acquire request an instance or fleet belongs to (the adapter finds machines by it; the example's simulated cloud tags its machines with it too). */
export const REQUEST_TAG = 'hostfactory:request-id';
/** Tag naming the template the machines were made from. */
export const TEMPLATE_TAG = 'hostfactory:template-id';
/** Tag on fleets: the units the request asked for (a fleet that stops short is judged against it). */
export const UNITS_TAG = 'hostfactory:units';
/** Tag naming the account the machines are charged to (the request's `rc_account`), as IBM's AWS plug-in tags it. */
export const RC_ACCOUNT_TAG = 'RC_ACCOUNT';
/** Tag set on an instance just before the adapter terminates it: the return request that asked. */
export const RETURN_TAG = 'hostfactory:return-request-id';

/**
 * An EC2 client token for one call of one request: the same request and call give the same token
 * (so EC2 answers a retry with the first launch while it remembers the token), at most 64 characters.
 */
export function clientToken(requestId: string, call: string): string {
  // node:crypto loaded on use: the simulated cloud imports this file's tag names, and its calls start without it.
  return `hf-${process.getBuiltinModule('node:crypto').createHash('sha256').update(`${call}\n${requestId}`).digest('hex').slice(0, 48)}`;
}

/** The tags every instance and fleet of a request carries: template `instanceTags`, request tags, `RC_ACCOUNT` when given, then the adapter's own. */
export function requestTags(
  requestId: string,
  templateId: string,
  templateTags: Readonly<Record<string, string>>,
  callerTags: Readonly<Record<string, string>>,
  rcAccount?: string,
): Record<string, string> {
  return { ...templateTags, ...callerTags, ...(rcAccount === undefined ? {} : { [RC_ACCOUNT_TAG]: rcAccount }), [REQUEST_TAG]: requestId, [TEMPLATE_TAG]: templateId };
}

/** A tag map as EC2's `[{ Key, Value }]`. */
export function tagList(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** EC2's `[{ Key, Value }]` as a map. */
export function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { Key, Value } of tags ?? []) if (Key !== undefined) map[Key] = Value ?? '';
  return map;
}
