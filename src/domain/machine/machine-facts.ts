import { parseIpAddress } from '../shared/ip-address';
import { parseTags, type Tags } from '../shared/tags';
import { checkText } from '../shared/text';
import { Issues, collect, describeValue } from '../../kernel/validation';
import type { MachineStatus } from './machine-status';

/** How a machine is billed. */
export type MachinePriceType = 'ondemand' | 'spot';

/** Facts the provider reports and may later update; `null` = not known. Dates are ISO strings; text is storable (see `TEXT_LIMITS`). */
export interface MachineFacts {
  /** Host name Symphony knows the machine by. */
  readonly name: string | null;
  readonly resourceId: string | null;
  readonly instanceType: string | null;
  readonly priceType: MachinePriceType | null;
  readonly cloudHostId: string | null;
  readonly privateIpAddress: string | null;
  readonly publicIpAddress: string | null;
  readonly instanceTags: Tags;
  readonly launchTime: string | null;
}

/** The whole state of a machine as JSON data (the snapshot without `schemaVersion`/`version`). */
export interface MachineState extends MachineFacts {
  readonly machineId: string;
  readonly requestId: string;
  readonly returnRequestId: string | null;
  readonly templateId: string;
  readonly providerApi: string | null;
  readonly status: MachineStatus;
  readonly statusReason: string;
  readonly terminatedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Provider facts as given by callers: `undefined` leaves a fact unchanged, `null` clears it, dates as `Date` or ISO text. */
export interface MachineFactsInput {
  name?: string | null;
  resourceId?: string | null;
  instanceType?: string | null;
  priceType?: MachinePriceType | null;
  cloudHostId?: string | null;
  privateIpAddress?: string | null;
  publicIpAddress?: string | null;
  instanceTags?: string | Readonly<Record<string, string>> | null;
  launchTime?: Date | string | null;
}

/** The fact names, in snapshot order. */
export const MACHINE_FACT_FIELDS: readonly (keyof MachineFacts)[] = [
  'name', 'resourceId', 'instanceType', 'priceType', 'cloudHostId', 'privateIpAddress', 'publicIpAddress', 'instanceTags', 'launchTime',
];

const TEXT_FACTS = ['name', 'resourceId', 'instanceType', 'cloudHostId'] as const;

/** Copies text fact `key` into `facts` when present: a non-empty string or null. Module level: no closure per call. */
function parseTextFact(input: MachineFactsInput, key: (typeof TEXT_FACTS)[number], issues: Issues, facts: Record<string, unknown>): void {
  const value = input[key];
  if (value === undefined) return;
  if (value !== null && (typeof value !== 'string' || value.trim() === '')) {
    issues.add(key, 'isNotEmpty', `must be a non-empty string or null, got ${describeValue(value)}`);
  } else if (value === null || checkText(issues, key, value, 'name')) facts[key] = value;
}

/** Validates the facts present in `input` (JSON form); collects problems into `issues`. */
export function parseMachineFacts(input: MachineFactsInput, issues: Issues): Partial<MachineFacts> {
  const facts: Record<string, unknown> = {};
  for (const key of TEXT_FACTS) parseTextFact(input, key, issues, facts);
  if (input.priceType !== undefined) {
    if (input.priceType !== null && input.priceType !== 'ondemand' && input.priceType !== 'spot') {
      issues.add('priceType', 'isIn', `must be ondemand or spot, got ${describeValue(input.priceType)}`);
    } else facts.priceType = input.priceType;
  }
  for (const key of ['privateIpAddress', 'publicIpAddress'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    facts[key] = value === null ? null : collect(issues, () => parseIpAddress(value, key));
  }
  if (input.instanceTags !== undefined) facts.instanceTags = collect(issues, () => parseTags(input.instanceTags, 'instanceTags')) ?? {};
  if (input.launchTime !== undefined) facts.launchTime = parseInstant(input.launchTime, 'launchTime', issues);
  return facts as Partial<MachineFacts>;
}

/** A Date or ISO text as an ISO string (`null` kept); collects a problem for anything else. */
export function parseInstant(value: Date | string | null, path: string, issues: Issues): string | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    issues.add(path, 'isDate', `must be a valid date or ISO-8601 text, got ${describeValue(value)}`);
    return null;
  }
  return date.toISOString();
}
