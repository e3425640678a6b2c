import { ValidationError, type ValidationIssue } from '../../kernel/errors';
import { silentLogger, type Logger } from '../../kernel/logger';
import type { EventLog } from '../../storage/event-log';
import type { ProcessorStore } from '../../storage/processor-store';
import type { ProcessorHandler } from './delivery';
import { isProcessorName } from '../../storage/processor-errors';

/** Options of an `EventProcessor`; every duration is in milliseconds. */
export interface EventProcessorOptions {
  /** Letters, digits, `.`, `_`, `-` (1–100): the checkpoint's key, the same on every replica. */
  readonly name: string;
  /** Called with each event of the processor's partitions; a rejection is retried, then dead-lettered. */
  readonly handle: ProcessorHandler;
  /** Where events are read from (`storage.eventLog`). */
  readonly eventLog: EventLog;
  /** Where checkpoints, leases and dead letters live (`storage.processors`, of the same storage). */
  readonly store: ProcessorStore;
  /** Independent partitions (by aggregate), each run by one replica at a time. Default 1, at most 256. */
  readonly partitions?: number;
  /** Events read per batch. Default 100. */
  readonly batchSize?: number;
  /** How long a claim lasts without renewal: the failover time after a replica dies. Default 10 000. */
  readonly leaseMs?: number;
  /** Pause between rounds when there is nothing to do (and the claim/renew cadence). Default 200. */
  readonly pollMs?: number;
  /** Handler attempts before an event becomes a dead letter. Default 5. */
  readonly attempts?: number;
  /** First retry wait, doubled each attempt up to `maxBackoffMs`. Defaults 100 and 5 000. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** This replica's id in leases. Default: a random UUID per processor object. */
  readonly owner?: string;
  /** Claims, handovers and dead letters are logged here. Default: silent. */
  readonly logger?: Logger;
}

/** The options with every default filled in. Internal. */
export type ProcessorSettings = Required<Omit<EventProcessorOptions, 'owner' | 'name'>>;

/** Fills in the defaults (an option given as `undefined` takes its default). Internal. */
export function withDefaults(options: EventProcessorOptions): ProcessorSettings {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as EventProcessorOptions;
  return { partitions: 1, batchSize: 100, leaseMs: 10_000, pollMs: 200, attempts: 5, backoffMs: 100, maxBackoffMs: 5000, logger: silentLogger, ...given };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const LIMITS: Record<string, [number, number]> = { partitions: [1, 256], batchSize: [1, 10_000], leaseMs: [100, 3_600_000], pollMs: [1, 60_000], attempts: [1, 1000], backoffMs: [0, 3_600_000], maxBackoffMs: [0, 3_600_000] };

/** Throws `VALIDATION_FAILED` naming every bad option and its allowed range. */
export function checkOptions(options: EventProcessorOptions): void {
  const issues: ValidationIssue[] = [];
  if (!isProcessorName(options?.name)) issues.push({ path: 'name', constraint: 'processorName', message: `must be 1-100 letters, digits, ".", "_" or "-", got ${JSON.stringify(options?.name)}` });
  if (typeof options?.handle !== 'function') issues.push({ path: 'handle', constraint: 'isFunction', message: 'must be a function (stored, context) => Promise<void>' });
  for (const [option, [min, max]] of Object.entries(LIMITS)) {
    const value = (options as unknown as Record<string, unknown>)?.[option];
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)) {
      issues.push({ path: option, constraint: 'isInt', message: `must be a whole number from ${min} to ${max}, got ${String(value)}` });
    }
  }
  if (issues.length > 0) throw new ValidationError('event processor options', issues);
}
