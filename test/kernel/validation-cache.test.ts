import 'reflect-metadata';
import fc from 'fast-check';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength, getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Command, ValidationError } from '../../src/kernel';
import { UNCACHED_LOOKUP } from '../../src/kernel/validation-cache';

class Order extends Command<number> {
  @IsString()
  @MinLength(1)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;

  @IsIn(['eu', 'us'])
  region!: string;

  @IsOptional()
  @IsString()
  note?: string;
}

class RushOrder extends Order {
  @IsInt()
  @Min(1)
  hours!: number;
}

// Unrelated decorated classes, as a host with a large model would have.
for (let i = 0; i < 50; i++) {
  class Unrelated {}
  IsString()(Unrelated.prototype, `field${i}`);
}

function outcome(make: () => Command<unknown>): string {
  try {
    make();
    return 'valid';
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return JSON.stringify(error.issues);
  }
}

type Lookup = (...args: unknown[]) => unknown[];

describe('validation metadata cache', () => {
  it('answers exactly what class-validator answers, on a corpus of valid and invalid inputs', () => {
    const validInput = fc.record({
      sku: fc.string({ minLength: 1 }),
      quantity: fc.integer({ min: 1, max: 1000 }),
      region: fc.constantFrom('eu', 'us'),
      hours: fc.integer({ min: 1, max: 5 }),
    });
    const anyInput = fc.record(
      {
        sku: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        quantity: fc.oneof(fc.integer({ min: -5, max: 1005 }), fc.double(), fc.string()),
        region: fc.oneof(fc.constantFrom('eu', 'us', 'mars'), fc.integer()),
        note: fc.option(fc.oneof(fc.string(), fc.boolean()), { nil: undefined }),
        hours: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string()),
        extra: fc.option(fc.string(), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    const input = fc.oneof(validInput, anyInput);
    const storage = getMetadataStorage() as unknown as { getTargetValidationMetadatas: Lookup; [UNCACHED_LOOKUP]: Lookup };
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(input, fc.boolean(), (plain, rush) => {
        const type = rush ? RushOrder : Order;
        if (!rush && 'hours' in plain) delete (plain as { hours?: unknown }).hours;
        const cached = outcome(() => type.from(plain));
        const uncached = (() => {
          const patched = storage.getTargetValidationMetadatas;
          storage.getTargetValidationMetadatas = storage[UNCACHED_LOOKUP];
          try {
            return outcome(() => type.from(plain));
          } finally {
            storage.getTargetValidationMetadatas = patched;
          }
        })();
        expect(cached).toBe(uncached);
        if (cached === 'valid') valid++;
        else invalid++;
      }),
      { numRuns: 400, seed: 20261126 },
    );
    expect(valid).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
  });

  it('sees a rule added after a class was first validated', () => {
    class Late extends Command<void> {
      @IsString()
      name!: string;
    }
    expect(outcome(() => Late.from({ name: 'x' }))).toBe('valid');
    MinLength(3)(Late.prototype, 'name');
    expect(outcome(() => Late.from({ name: 'x' }))).toContain('minLength');
  });
});
