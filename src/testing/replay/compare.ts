/** One field where two JSON values differ: its path (`requests[0].machines[1].status`), both values (`undefined`: absent). */
export interface FieldDifference {
  readonly field: string;
  readonly recorded: unknown;
  readonly now: unknown;
}

/** Every field where `recorded` and `now` differ, depth first, in the recorded order. Arrays compare index by index. */
export function compareFields(recorded: unknown, now: unknown, path = ''): FieldDifference[] {
  if (Object.is(recorded, now)) return [];
  const bothArrays = Array.isArray(recorded) && Array.isArray(now);
  const bothObjects = isObject(recorded) && isObject(now);
  if (!bothArrays && !bothObjects) return [{ field: path === '' ? '(document)' : path, recorded, now }];
  const out: FieldDifference[] = [];
  if (bothArrays) {
    const length = Math.max(recorded.length, now.length);
    for (let i = 0; i < length; i += 1) out.push(...compareFields(recorded[i], now[i], `${path}[${i}]`));
    return out;
  }
  const a = recorded as Record<string, unknown>;
  const b = now as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) out.push(...compareFields(a[key], b[key], path === '' ? key : `${path}.${key}`));
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether two JSON values are equal field by field. */
export function sameJson(a: unknown, b: unknown): boolean {
  return compareFields(a, b).length === 0;
}
