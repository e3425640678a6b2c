import type { DomainEvent } from '../../domain/shared/domain-event';
import { mismatch, pick, show } from './match';

/** An expected event after normalisation: the keys a test gave, each a subset to match. */
export type ExpectedShape = { readonly type: string } & Readonly<Record<string, unknown>>;

/** Fields shown after the aggregate id when an expectation names them. */
const EXTRA_FIELDS = ['aggregateType', 'aggregateVersion', 'eventId', 'occurredAt', 'correlationId', 'causationId'] as const;

/** The first difference between one expected and one actual event, or undefined when they match. */
export function eventMismatch(expected: ExpectedShape, actual: DomainEvent): string | undefined {
  return mismatch(expected, actual, '');
}

/** `type aggregateId [field=value …] data-json` for an expectation; `*` stands for any aggregate. */
export function expectedLine(expected: ExpectedShape): string {
  const id = expected.aggregateId === undefined ? '*' : plain(expected.aggregateId);
  const extras = EXTRA_FIELDS.filter((f) => expected[f] !== undefined).map((f) => ` ${f}=${plain(expected[f])}`);
  return `${expected.type} ${id}${extras.join('')}${expected.data === undefined ? '' : ` ${show(expected.data)}`}`;
}

/** The same layout for an actual event; with `like`, only the fields and data keys `like` names. */
export function actualLine(actual: DomainEvent, like?: ExpectedShape): string {
  const record = actual as unknown as Record<string, unknown>;
  if (like === undefined) return `${actual.type} ${actual.aggregateId} ${show(actual.data)}`;
  const extras = EXTRA_FIELDS.filter((f) => like[f] !== undefined).map((f) => ` ${f}=${plain(record[f])}`);
  return `${actual.type} ${actual.aggregateId}${extras.join('')}${like.data === undefined ? '' : ` ${show(pick(actual.data, like.data))}`}`;
}

/**
 * A line-per-event diff: matching pairs prefixed with two spaces, a differing pair as `-` expected
 * then `+` actual, missing expectations as `-`, unexpected events as `+`. Also returns the first
 * difference in words.
 */
export function eventDiff(expected: readonly ExpectedShape[], actual: readonly DomainEvent[]): { lines: string[]; first: string | undefined } {
  const lines: string[] = [];
  let first: string | undefined;
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const want = expected[i];
    const got = actual[i];
    if (want !== undefined && got !== undefined) {
      const difference = eventMismatch(want, got);
      if (difference === undefined) lines.push(`  ${actualLine(got, want)}`);
      else {
        first ??= `event #${i + 1} (${want.type}): ${difference}`;
        lines.push(`- ${expectedLine(want)}`, `+ ${actualLine(got, want)}`);
      }
    } else if (want !== undefined) {
      first ??= `event #${i + 1} (${want.type}) was expected but not committed`;
      lines.push(`- ${expectedLine(want)}`);
    } else if (got !== undefined) {
      first ??= `event #${i + 1} (${got.type}) was committed but not expected`;
      lines.push(`+ ${actualLine(got)}`);
    }
  }
  return { lines, first };
}

function plain(value: unknown): string {
  return typeof value === 'string' ? value : show(value);
}
