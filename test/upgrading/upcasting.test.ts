import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError } from '../../src/kernel/errors';
import { SchemaVersionUnsupportedError, createUpcasters, readStoredEvent, readStoredSnapshot, upcasterChain, type StoredKind, type UpcasterChain } from '../../src/storage';

/** A record that remembers which steps ran, in order. */
interface Traced {
  readonly schemaVersion?: number;
  readonly trail: readonly number[];
}

/** A chain of `steps` steps from `oldest`, each appending the version it read to `trail`. */
function tracedChain(kind: StoredKind, type: string, oldest: number, steps: number): UpcasterChain<Traced> {
  let chain = upcasterChain<Traced>(kind, type, oldest);
  for (let i = 0; i < steps; i += 1) chain = chain.then((r) => ({ ...r, trail: [...r.trail, r.schemaVersion ?? 1] }));
  return chain;
}

const kinds = fc.constantFrom<StoredKind>('event', 'snapshot');
/** A chain's shape: where it starts, how many steps, and a stored version inside its range. */
const chains = fc
  .record({ kind: kinds, oldest: fc.integer({ min: 1, max: 5 }), steps: fc.integer({ min: 0, max: 8 }) })
  .chain((c) => fc.record({ c: fc.constant(c), stored: fc.integer({ min: c.oldest, max: c.oldest + c.steps }) }));

function refusal(run: () => unknown): Record<string, unknown> {
  try {
    run();
  } catch (error) {
    expect(isKernelError(error, 'SCHEMA_VERSION_UNSUPPORTED'), String(error)).toBe(true);
    return (error as { details: Record<string, unknown> }).details;
  }
  throw new Error('expected SCHEMA_VERSION_UNSUPPORTED, but the record was read');
}

describe('Upcasters', () => {
  it('run every step from the stored version to the supported one, once each and in order', () => {
    fc.assert(
      fc.property(chains, ({ c, stored }) => {
        const upcasters = createUpcasters([tracedChain(c.kind, 'Thing', c.oldest, c.steps)]);
        const record = Object.freeze({ schemaVersion: stored, trail: Object.freeze([]) as readonly number[] });
        const read = upcasters.upcast<Traced>(c.kind, 'Thing', record);
        const supported = c.oldest + c.steps;
        expect(upcasters.supportedVersion(c.kind, 'Thing')).toBe(supported);
        expect(read.schemaVersion).toBe(supported);
        expect(read.trail).toEqual(Array.from({ length: supported - stored }, (_, i) => stored + i));
        if (stored === supported) expect(read).toBe(record);
      }),
    );
  });

  it('compose: reading through part of a chain and then the whole chain equals reading through the whole chain', () => {
    fc.assert(
      fc.property(
        chains.chain(({ c, stored }) => fc.record({ c: fc.constant(c), stored: fc.constant(stored), middle: fc.integer({ min: stored, max: c.oldest + c.steps }) })),
        ({ c, stored, middle }) => {
          const whole = createUpcasters([tracedChain(c.kind, 'Thing', c.oldest, c.steps)]);
          const part = createUpcasters([tracedChain(c.kind, 'Thing', c.oldest, middle - c.oldest)]);
          const record = { schemaVersion: stored, trail: [] };
          // An older release's reader wrote `middle` back (a snapshot saved after a read); the newer one continues from there.
          const direct = whole.upcast<Traced>(c.kind, 'Thing', record);
          const staged = whole.upcast<Traced>(c.kind, 'Thing', part.upcast<Traced>(c.kind, 'Thing', record));
          expect(staged).toEqual(direct);
        },
      ),
    );
  });

  it('refuse every version above the supported one, naming the type and both versions', () => {
    fc.assert(
      fc.property(chains, fc.integer({ min: 1, max: 1000 }), ({ c }, above) => {
        const upcasters = createUpcasters([tracedChain(c.kind, 'Thing', c.oldest, c.steps)]);
        const supported = c.oldest + c.steps;
        const details = refusal(() => upcasters.upcast(c.kind, 'Thing', { schemaVersion: supported + above, trail: [] }));
        expect(details).toEqual({ kind: c.kind, type: 'Thing', storedVersion: supported + above, supportedVersion: supported, oldestVersion: c.oldest });
      }),
    );
  });

  it('refuse versions below the oldest step and values that are no version', () => {
    const notVersions = fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }));
    fc.assert(
      fc.property(chains, notVersions, ({ c }, bad) => {
        const upcasters = createUpcasters([tracedChain(c.kind, 'Thing', c.oldest, c.steps)]);
        expect(refusal(() => upcasters.upcast(c.kind, 'Thing', { schemaVersion: bad, trail: [] })).type).toBe('Thing');
        if (c.oldest > 1) expect(refusal(() => upcasters.upcast(c.kind, 'Thing', { schemaVersion: c.oldest - 1, trail: [] })).storedVersion).toBe(c.oldest - 1);
      }),
    );
  });

  it('read an event without schemaVersion as version 1, and refuse a snapshot without one', () => {
    const upcasters = createUpcasters([tracedChain('event', 'ThingHappened', 1, 2), tracedChain('snapshot', 'Thing', 1, 2)]);
    expect(upcasters.upcast<Traced>('event', 'ThingHappened', { trail: [] })).toEqual({ schemaVersion: 3, trail: [1, 2] });
    expect(refusal(() => upcasters.upcast('snapshot', 'Thing', { trail: [] })).storedVersion).toBeNull();
  });

  it('keep each type to its own chain: other types stay at version 1, and two chains for one type are refused', () => {
    const upcasters = createUpcasters([tracedChain('event', 'ThingHappened', 1, 3)]);
    expect(upcasters.supportedVersion('event', 'OtherThing')).toBe(1);
    expect(upcasters.supportedVersion('snapshot', 'ThingHappened')).toBe(1);
    expect(refusal(() => upcasters.upcast('event', 'OtherThing', { schemaVersion: 2 }))).toMatchObject({ type: 'OtherThing', supportedVersion: 1 });
    let error: unknown;
    try {
      createUpcasters([tracedChain('event', 'ThingHappened', 1, 1), tracedChain('event', 'ThingHappened', 2, 1)]);
    } catch (caught) {
      error = caught;
    }
    expect(isKernelError(error, 'INVALID_CONFIGURATION')).toBe(true);
    expect((error as Error).message).toContain('ThingHappened');
    expect((error as { details?: unknown }).details).toStrictEqual({ kind: 'event', type: 'ThingHappened' });
  });

  it('refuse a chain that cannot be: an empty type or an oldest version below 1', () => {
    for (const build of [() => upcasterChain('event', ''), () => upcasterChain('snapshot', 'Thing', 0), () => upcasterChain('event', 'Thing', 1.5)]) {
      expect(() => build()).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    }
  });

  it('report a step that throws or returns no object as UPCAST_FAILED, naming the step, with its error as cause', () => {
    const broken = new Error('size is not a number');
    const chains = [
      upcasterChain<Traced>('event', 'Throws').then((): Traced => {
        throw broken;
      }),
      upcasterChain<Traced>('event', 'ReturnsNothing').then(() => undefined as unknown as Traced),
    ];
    const upcasters = createUpcasters(chains);
    for (const [type, cause] of [['Throws', broken], ['ReturnsNothing', undefined]] as const) {
      let error: unknown;
      try {
        upcasters.upcast('event', type, { trail: [] });
      } catch (caught) {
        error = caught;
      }
      expect(isKernelError(error, 'UPCAST_FAILED'), String(error)).toBe(true);
      expect(error).toMatchObject({ details: { kind: 'event', type, from: 1 } });
      expect((error as { cause?: unknown }).cause).toBe(cause);
      expect((error as Error).message).toContain(`event ${type} from schema version 1`);
    }
  });
});

/** The error `run` throws, checked to be a KernelError with `code`. */
function thrown(code: string, run: () => unknown): { message: string; details: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    expect(isKernelError(error, code), String(error)).toBe(true);
    return error as { message: string; details: Record<string, unknown> };
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

describe('Upcaster chains refused at build time', () => {
  it('refuse a kind other than event or snapshot, naming it', () => {
    const error = thrown('INVALID_CONFIGURATION', () => upcasterChain('thing' as StoredKind, 'T'));
    expect(error.message).toContain('kind must be "event" or "snapshot", got thing');
    expect(error.details).toStrictEqual({ kind: 'thing' });
  });

  it('refuse a type that is not a non-empty string', () => {
    const empty = thrown('INVALID_CONFIGURATION', () => upcasterChain('event', ''));
    expect(empty.message).toContain('type must be a non-empty string');
    expect(empty.details).toStrictEqual({ kind: 'event', type: '' });
    const number = thrown('INVALID_CONFIGURATION', () => upcasterChain('snapshot', 5 as unknown as string));
    expect(number.details).toStrictEqual({ kind: 'snapshot', type: 5 });
  });

  it('refuse an oldest version below 1, naming it', () => {
    const error = thrown('INVALID_CONFIGURATION', () => upcasterChain('event', 'T', 0));
    expect(error.message).toContain('oldest must be an integer ≥ 1, got 0');
    expect(error.details).toStrictEqual({ kind: 'event', type: 'T', oldest: 0 });
  });

  it('refuse a step that is not a function, naming the version it would start from', () => {
    const first = thrown('INVALID_CONFIGURATION', () => upcasterChain('event', 'T').then(5 as never));
    expect(first.message).toContain('the step from version 1 of event T must be a function');
    expect(first.details).toStrictEqual({ kind: 'event', type: 'T' });
    const second = thrown('INVALID_CONFIGURATION', () => upcasterChain<Traced>('snapshot', 'T').then((r) => r).then(5 as never));
    expect(second.message).toContain('the step from version 2 of snapshot T must be a function');
  });
});

describe('Upcasters reading a record', () => {
  it('refuse a snapshot without schemaVersion even when no chain is registered', () => {
    expect(thrown('SCHEMA_VERSION_UNSUPPORTED', () => createUpcasters([]).upcast('snapshot', 'Template', {})).details).toStrictEqual({
      kind: 'snapshot',
      type: 'Template',
      storedVersion: null,
      supportedVersion: 1,
      oldestVersion: 1,
    });
    thrown('SCHEMA_VERSION_UNSUPPORTED', () => readStoredSnapshot('Template', {}));
    const current = { schemaVersion: 1 };
    expect(readStoredSnapshot('Template', current)).toBe(current);
  });

  it('read a record without schemaVersion as version 1 only for kind event', () => {
    const upcasters = createUpcasters([]);
    const event = {};
    expect(upcasters.upcast('event', 'T', event)).toBe(event);
    thrown('SCHEMA_VERSION_UNSUPPORTED', () => upcasters.upcast('' as StoredKind, 'T', {}));
  });

  it('return a version-1 record of a type without a chain as it is, when other types have chains', () => {
    const upcasters = createUpcasters([tracedChain('event', 'A', 1, 1)]);
    const versioned = { schemaVersion: 1, trail: [] };
    const unversioned = { trail: [] };
    expect(upcasters.upcast('event', 'B', versioned)).toBe(versioned);
    expect(upcasters.upcast('event', 'B', unversioned)).toBe(unversioned);
  });

  it('refuse a number that is not an integer even inside the chain range', () => {
    const upcasters = createUpcasters([tracedChain('event', 'T', 1, 1)]);
    for (const bad of [1.5, Number.NaN]) {
      expect(thrown('SCHEMA_VERSION_UNSUPPORTED', () => upcasters.upcast('event', 'T', { schemaVersion: bad, trail: [] })).details).toMatchObject({ storedVersion: bad });
    }
  });

  it('say that a non-integer version is not a schema version, and an integer below the oldest is older', () => {
    const upcasters = createUpcasters([]);
    for (const bad of [0.5, Number.NaN]) {
      const error = thrown('SCHEMA_VERSION_UNSUPPORTED', () => upcasters.upcast('event', 'T', { schemaVersion: bad }));
      expect(error.message).toContain('That is not a schema version');
      expect(error.message).not.toContain('older than any upcaster');
    }
    expect(thrown('SCHEMA_VERSION_UNSUPPORTED', () => upcasters.upcast('event', 'T', { schemaVersion: 0 })).message).toContain('It is older than any upcaster');
  });

  it('say "a newer release wrote it" only for a version above the supported one', () => {
    expect(new SchemaVersionUnsupportedError('event', 'T', 3, 2, 1).message).toContain('A newer release wrote it');
    const equal = new SchemaVersionUnsupportedError('event', 'T', 2, 2, 1).message;
    expect(equal).toContain('It is older than any upcaster');
    expect(equal).not.toContain('A newer release wrote it');
  });
});

describe('Upcaster steps that fail', () => {
  /** The UPCAST_FAILED message of reading an event of a one-step chain whose step is `step`. */
  function failure(step: () => unknown): string {
    const upcasters = createUpcasters([upcasterChain<Traced>('event', 'T').then(step as () => Traced)]);
    const error = thrown('UPCAST_FAILED', () => upcasters.upcast('event', 'T', { trail: [] }));
    expect(error.details).toStrictEqual({ kind: 'event', type: 'T', from: 1 });
    return error.message;
  }

  it('quote the error of a step that throws', () => {
    expect(
      failure(() => {
        throw new Error('size is not a number');
      }),
    ).toContain('from schema version 1 threw: size is not a number.');
  });

  it('say what a step returned instead of an object', () => {
    expect(failure(() => null)).toContain('from schema version 1 returned null, not an object.');
    expect(failure(() => undefined)).toContain('from schema version 1 returned undefined, not an object.');
    expect(failure(() => [])).toContain('from schema version 1 returned an array, not an object.');
    expect(failure(() => 'x')).toContain('from schema version 1 returned string, not an object.');
  });
});

describe('readStoredEvent', () => {
  it('refuse anything that is not an object with a string type as VALIDATION_FAILED', () => {
    const withType = Object.assign(() => undefined, { type: 'RequestCreated' });
    for (const stored of [undefined, null, 'RequestCreated', withType, {}, { type: 1 }]) {
      const error = thrown('VALIDATION_FAILED', () => readStoredEvent(stored));
      expect(error.message).toBe('Invalid stored event: type: a stored event is an object with a string type. Correct these fields and try again.');
      expect(error.details).toStrictEqual({
        subject: 'stored event',
        issues: [{ path: 'type', constraint: 'isString', message: 'a stored event is an object with a string type' }],
      });
    }
  });
});
