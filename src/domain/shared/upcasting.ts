import { KernelError } from '../../kernel/errors';

/*
 * Upcasting: stored records (events and snapshots) are read at the schema version this code
 * understands. A record written at an older version passes through the steps registered for its
 * type, one version at a time; a record newer than this code, or older than any step, is refused
 * with SCHEMA_VERSION_UNSUPPORTED. Nothing is rewritten in storage: reads convert, writes write
 * the current version.
 */

/** What a stored record is: an event (identified by its `type`) or a snapshot (by its aggregate type). */
export type StoredKind = 'event' | 'snapshot';

/** One step of a chain: reads a record of `type` at schema version `from`, returns it at `from + 1`. */
export interface Upcaster {
  readonly kind: StoredKind;
  readonly type: string;
  readonly from: number;
  readonly upcast: (record: never) => unknown;
}

/**
 * The typed steps of one record type, version after version. `then` adds the step from
 * {@link version} to `version + 1`: its argument is exactly what the previous step returned (the
 * first step reads `T`), so a step that reads the wrong shape does not compile. The chain stamps
 * `schemaVersion` on each step's result itself.
 */
export interface UpcasterChain<T> {
  readonly kind: StoredKind;
  readonly type: string;
  /** The oldest version the chain reads. */
  readonly oldest: number;
  /** The version records leave the chain at: the one this code writes. */
  readonly version: number;
  readonly steps: readonly Upcaster[];
  /** A new chain with one more step (this chain is unchanged). */
  then<U extends object>(upcast: (record: T) => U): UpcasterChain<U>;
}

/**
 * Starts the chain of `type` (an event type, or `Template`/`Request`/`Machine` for snapshots) at
 * version `oldest` (default 1), whose records have the shape `T`. Throws INVALID_CONFIGURATION when
 * `type` is empty or `oldest` is not an integer ≥ 1.
 */
export function upcasterChain<T extends object>(kind: StoredKind, type: string, oldest = 1): UpcasterChain<T> {
  if (kind !== 'event' && kind !== 'snapshot') throw configuration(`kind must be "event" or "snapshot", got ${String(kind)}`, { kind });
  if (typeof type !== 'string' || type === '') throw configuration('type must be a non-empty string (an event type or an aggregate type)', { kind, type });
  if (!Number.isSafeInteger(oldest) || oldest < 1) throw configuration(`oldest must be an integer ≥ 1, got ${String(oldest)}`, { kind, type, oldest });
  return chainOf<T>(kind, type, oldest, []);
}

function chainOf<T>(kind: StoredKind, type: string, oldest: number, steps: readonly Upcaster[]): UpcasterChain<T> {
  return {
    kind,
    type,
    oldest,
    version: oldest + steps.length,
    steps,
    then<U extends object>(upcast: (record: T) => U): UpcasterChain<U> {
      if (typeof upcast !== 'function') throw configuration(`the step from version ${oldest + steps.length} of ${kind} ${type} must be a function`, { kind, type });
      return chainOf<U>(kind, type, oldest, [...steps, { kind, type, from: oldest + steps.length, upcast: upcast as (record: never) => unknown }]);
    },
  };
}

/** Reads stored records at the versions this code understands (see {@link createUpcasters}). */
export interface Upcasters {
  /** The version of `type` this code reads and writes: its chain's last version, 1 without a chain. */
  supportedVersion(kind: StoredKind, type: string): number;
  /**
   * `record` (a stored event, or a snapshot of aggregate `type`) at the supported version: itself
   * when already there, else a new object (the stored one is never changed). An event without
   * `schemaVersion` is at version 1; a snapshot must carry one. Throws SCHEMA_VERSION_UNSUPPORTED
   * for a version above the supported one, below the chain's oldest, or not an integer, and
   * UPCAST_FAILED (details `kind`, `type`, `from`; the step's error as `cause`) when a step throws or
   * returns no object.
   */
  upcast<R extends object>(kind: StoredKind, type: string, record: object): R;
}

/**
 * The registry of `chains`, one per kind and type. Throws INVALID_CONFIGURATION when two chains
 * name the same kind and type (one chain holds every version of a type).
 */
export function createUpcasters(chains: readonly UpcasterChain<unknown>[] = []): Upcasters {
  const byKey = new Map<string, UpcasterChain<unknown>>();
  for (const chain of chains) {
    const key = `${chain.kind}:${chain.type}`;
    if (byKey.has(key)) throw configuration(`two upcaster chains for ${chain.kind} ${chain.type}; extend the one chain with then() instead`, { kind: chain.kind, type: chain.type });
    byKey.set(key, chain);
  }
  return {
    supportedVersion: (kind, type) => byKey.get(`${kind}:${type}`)?.version ?? 1,
    upcast<R extends object>(kind: StoredKind, type: string, record: object): R {
      const stored = (record as { schemaVersion?: unknown }).schemaVersion;
      // The common case on every read (no chains, a version-1 record) builds no key.
      if (byKey.size === 0 && (stored === 1 || (stored === undefined && kind === 'event'))) return record as R;
      const chain = byKey.get(`${kind}:${type}`);
      const version = stored === undefined && kind === 'event' ? 1 : stored;
      const supported = chain?.version ?? 1;
      if (version === supported) return record as R;
      const oldest = chain?.oldest ?? 1;
      if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < oldest || version > supported) {
        throw new SchemaVersionUnsupportedError(kind, type, version, supported, oldest);
      }
      let current: object = record;
      for (const step of chain!.steps.slice(version - oldest)) current = runStep(step, current);
      return current as R;
    },
  };
}

/**
 * A stored record's schema version is one this code cannot read (`SCHEMA_VERSION_UNSUPPORTED`):
 * newer than it knows (a newer release wrote it: upgrade this process), older than its oldest
 * upcaster, or not a version at all. Details: `kind`, `type`, `storedVersion`, `supportedVersion`,
 * `oldestVersion`. Nothing was read or changed.
 */
export class SchemaVersionUnsupportedError extends KernelError {
  constructor(kind: StoredKind, type: string, storedVersion: unknown, supportedVersion: number, oldestVersion: number) {
    const what = `A stored ${type} ${kind} has schema version ${JSON.stringify(storedVersion) ?? 'undefined'}`;
    const range = oldestVersion === supportedVersion ? `version ${supportedVersion}` : `versions ${oldestVersion} to ${supportedVersion}`;
    const fix =
      typeof storedVersion === 'number' && storedVersion > supportedVersion
        ? 'A newer release wrote it: upgrade this process (every replica) to that release or later; nothing was changed.'
        : typeof storedVersion === 'number' && Number.isSafeInteger(storedVersion)
          ? 'It is older than any upcaster this release has: read it with the release that still upcasts it, or register an upcaster from that version.'
          : 'That is not a schema version (an integer ≥ 1): the stored record is damaged or was not written by this library.';
    super('SCHEMA_VERSION_UNSUPPORTED', `${what}; this release reads ${range}. ${fix}`, {
      details: { kind, type, storedVersion: storedVersion ?? null, supportedVersion, oldestVersion },
    });
  }
}

/** One step, its result stamped with the next version. A step that throws or returns no object is UPCAST_FAILED. */
function runStep(step: Upcaster, record: object): object {
  let result: unknown;
  try {
    result = (step.upcast as (r: object) => unknown)(record);
  } catch (error) {
    throw upcastFailed(step, `threw: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw upcastFailed(step, `returned ${result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result}, not an object`);
  return { ...result, schemaVersion: step.from + 1 };
}

function upcastFailed(step: Upcaster, what: string, cause?: unknown): KernelError {
  return new KernelError(
    'UPCAST_FAILED',
    `The upcaster of ${step.kind} ${step.type} from schema version ${step.from} ${what}. Fix that step; the stored record was not changed.`,
    { details: { kind: step.kind, type: step.type, from: step.from }, ...(cause === undefined ? {} : { cause }) },
  );
}

function configuration(message: string, details: Record<string, unknown>): KernelError {
  return new KernelError('INVALID_CONFIGURATION', `Upcasters: ${message}.`, { details });
}
