import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDate, IsInt } from 'class-validator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compiledInstance, NOT_COMPILED } from '../../src/kernel/instance-plan';
import { Command } from '../../src';

// class-transformer's storage with another shape (another version, or a second copy loaded by a
// bundler, where the decorators write elsewhere): the compiled build must step aside, never guess.
vi.mock('class-transformer/cjs/storage.js', () => ({ defaultMetadataStorage: { _typeMetadatas: new Map(), _transformMetadatas: new Map(), _exposeMetadatas: new Map(), _excludeMetadatas: new Map(), getAncestors: () => [] } }));

describe('the compiled build when class-transformer\'s storage is not the one its decorators write to', () => {
  it('hands every message to plainToInstance, and X.from() still builds it', () => {
    class Booked extends Command<void> {
      declare readonly at: Date;
      declare readonly seats: number;
    }
    Type(() => Date)(Booked.prototype, 'at');
    IsDate()(Booked.prototype, 'at');
    IsInt()(Booked.prototype, 'seats');
    expect(compiledInstance(Booked, { seats: 2 })).toBe(NOT_COMPILED);
    const booked = Booked.from({ at: '2026-12-06T10:00:00Z', seats: 2 } as never);
    expect(booked.at).toBeInstanceOf(Date);
    expect(booked.at.toISOString()).toBe('2026-12-06T10:00:00.000Z');
  });

  // Each test below loads instance-plan afresh over another storage: the shape check runs once per load.
  type InstancePlan = typeof import('../../src/kernel/instance-plan');
  const STORAGE = 'class-transformer/cjs/storage.js';

  /** instance-plan loaded afresh, reading the storage `make` derives from class-transformer's own. */
  async function loadedOver(make: (real: object) => unknown): Promise<InstancePlan> {
    vi.resetModules();
    vi.doMock(STORAGE, async (importOriginal) => ({ defaultMetadataStorage: make((await importOriginal<{ defaultMetadataStorage: object }>()).defaultMetadataStorage) }));
    return import('../../src/kernel/instance-plan');
  }

  class Slot {}
  Type(() => Date)(Slot.prototype, 'at');
  const plain = { at: '2026-12-06T10:00:00Z', seats: 2 };

  afterEach(() => {
    vi.doUnmock('class-transformer');
  });

  it('gives class-transformer the options of untrusted input on every load: no implicit conversion, extra keys kept, defaults applied', async () => {
    const plan = await loadedOver((real) => real);
    expect(plan.TRANSFORM_OPTIONS).toStrictEqual({ enableImplicitConversion: false, excludeExtraneousValues: false, exposeDefaultValues: true, enableCircularCheck: false });
    expect(Object.isFrozen(plan.TRANSFORM_OPTIONS)).toBe(true);
  });

  it('builds with class-transformer\'s own storage, the one its decorators write to', async () => {
    const plan = await loadedOver((real) => real);
    const built = plan.compiledInstance(Slot, plain);
    if (built === plan.NOT_COMPILED) throw new Error('handed over');
    expect(built).toBeInstanceOf(Slot);
    expect((built as { at: Date }).at.toISOString()).toBe('2026-12-06T10:00:00.000Z');
  });

  it('hands over when the storage is missing, or lacks one of its maps or getAncestors, and the message is still built', async () => {
    const broken: [string, (real: object) => unknown][] = [
      ['undefined', () => undefined],
      ['null', () => null],
      ['no exclude map', (real) => Object.create(real, { _excludeMetadatas: { value: undefined } })],
      ['no getAncestors', (real) => Object.create(real, { getAncestors: { value: undefined } })],
    ];
    for (const [name, make] of broken) {
      const plan = await loadedOver(make);
      expect(plan.compiledInstance(Slot, plain), name).toBe(plan.NOT_COMPILED);
      const built = plan.toInstance(Slot, plain) as { at: Date; seats: number };
      expect(built.at.toISOString(), name).toBe('2026-12-06T10:00:00.000Z');
      expect(built.seats, name).toBe(2);
    }
  });

  it('hands over when @Type records the declared type in another shape (another class-transformer version)', async () => {
    const other = { _typeMetadatas: new Map<unknown, Map<string, unknown>>(), _transformMetadatas: new Map(), _exposeMetadatas: new Map(), _excludeMetadatas: new Map(), getAncestors: () => [] };
    vi.resetModules();
    vi.doMock(STORAGE, () => ({ defaultMetadataStorage: other }));
    vi.doMock('class-transformer', async (importOriginal) => ({
      ...(await importOriginal<object>()),
      Type: (typeFunction: () => unknown) => (target: object, property: string) => {
        other._typeMetadatas.set(target.constructor, new Map([[property, { typeFunction: () => ({ type: typeFunction() }) }]]));
      },
    }));
    const plan: InstancePlan = await import('../../src/kernel/instance-plan');
    expect(plan.compiledInstance(class Plain {}, { a: 1 })).toBe(plan.NOT_COMPILED);
  });
});
