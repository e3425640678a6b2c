import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError } from '../../src/kernel/errors';
import { createUpcasters, upcasterChain, type StoredKind, type UpcasterChain } from '../../src/storage';

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
